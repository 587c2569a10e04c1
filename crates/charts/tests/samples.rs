//! Writes one sample of each chart kind to `target/chart-samples/` so that a
//! person can look at them (and convert them to PNG) after `cargo test`.

use std::path::PathBuf;

use kho_charts::{Chart, ChartKind, Locale, render};

fn samples_dir() -> PathBuf {
    // CARGO_TARGET_TMPDIR is target/tmp; its parent is the target directory.
    let tmp = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    tmp.parent().map(|t| t.join("chart-samples")).unwrap_or_else(|| std::env::temp_dir().join("chart-samples"))
}

/// Population (thousands, rounded, illustrative) of the 34 provinces.
const POPULATION: &[(&str, f64)] = &[
    ("Hà Nội", 8718.0),
    ("Cao Bằng", 573.0),
    ("Tuyên Quang", 1866.0),
    ("Điện Biên", 652.0),
    ("Lai Châu", 494.0),
    ("Sơn La", 1327.0),
    ("Lào Cai", 1778.0),
    ("Thái Nguyên", 1800.0),
    ("Lạng Sơn", 813.0),
    ("Quảng Ninh", 1382.0),
    ("Bắc Ninh", 3619.0),
    ("Phú Thọ", 4022.0),
    ("TP. Hải Phòng", 4664.0),
    ("Hưng Yên", 3567.0),
    ("Ninh Bình", 4412.0),
    ("Thanh Hóa", 4324.0),
    ("Nghệ An", 3831.0),
    ("Hà Tĩnh", 1623.0),
    ("Quảng Trị", 1870.0),
    ("Thừa Thiên Huế", 1432.0),
    ("Đà Nẵng", 3065.0),
    ("Quảng Ngãi", 2161.0),
    ("Gia Lai", 3583.0),
    ("Khánh Hòa", 2243.0),
    ("Dak Lak", 3346.0),
    ("Lâm Đồng", 3872.0),
    ("Đồng Nai", 4491.0),
    ("TP.HCM", 14002.0),
    ("Tây Ninh", 3254.0),
    ("Đồng Tháp", 4370.0),
    ("Vĩnh Long", 4257.0),
    ("An Giang", 4952.0),
    ("Cần Thơ", 4199.0),
    ("Cà Mau", 2606.0),
    ("Atlantis", 12.0),
];

fn sample(kind: ChartKind) -> Chart {
    let mut c = Chart::new(kind, "");
    c.locale = Locale::Vi;
    c.id_prefix = format!("sample-{}", kind.name());
    match kind {
        ChartKind::Bar => {
            c.title = "Dân số theo tỉnh, thành phố (nghìn người)".into();
            c.x_label = "tỉnh".into();
            c.y_label = "SUM(dân số)".into();
            let mut top: Vec<(String, f64)> =
                POPULATION.iter().take(34).map(|(l, v)| (l.to_string(), *v * 1000.0)).collect();
            top.sort_by(|a, b| b.1.total_cmp(&a.1));
            c.points = top;
        }
        ChartKind::Line => {
            c.title = "Chỉ số giá tiêu dùng theo tháng".into();
            c.x_label = "tháng".into();
            c.y_label = "AVG(CPI)".into();
            c.points = (0..30)
                .map(|i| {
                    let v = 100.0 + 3.0 * (f64::from(i) / 4.0).sin() + f64::from(i) * 0.2;
                    (format!("{:04}-{:02}", 2023 + i / 12, i % 12 + 1), v)
                })
                .collect();
        }
        ChartKind::Pie => {
            c.title = "Cơ cấu lao động theo ngành".into();
            c.x_label = "ngành".into();
            c.y_label = "SUM(lao động)".into();
            c.points = [
                ("Nông, lâm nghiệp và thủy sản", 13_800_000.0),
                ("Công nghiệp chế biến, chế tạo", 11_500_000.0),
                ("Bán buôn và bán lẻ", 7_400_000.0),
                ("Xây dựng", 4_800_000.0),
                ("Giáo dục và đào tạo", 2_000_000.0),
                ("Vận tải, kho bãi", 1_900_000.0),
                ("Dịch vụ lưu trú và ăn uống", 2_900_000.0),
                ("Hành chính công", 1_600_000.0),
                ("Y tế", 700_000.0),
                ("Tài chính, ngân hàng", 500_000.0),
                ("Khác", -5.0),
            ]
            .iter()
            .map(|(l, v)| (l.to_string(), *v))
            .collect();
        }
        ChartKind::Map => {
            c.title = "Dân số theo tỉnh, thành phố".into();
            c.x_label = "tỉnh".into();
            c.y_label = "SUM(dân số) (nghìn người)".into();
            c.points = POPULATION.iter().filter(|(l, _)| *l != "Cao Bằng").map(|(l, v)| (l.to_string(), *v)).collect();
        }
    }
    c
}

#[test]
fn write_samples() {
    let dir = samples_dir();
    std::fs::create_dir_all(&dir).unwrap();
    for kind in [ChartKind::Bar, ChartKind::Line, ChartKind::Pie, ChartKind::Map] {
        let svg = render(&sample(kind));
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        std::fs::write(dir.join(format!("{}.svg", kind.name())), &svg).unwrap();
        let mut en = sample(kind);
        en.locale = Locale::En;
        std::fs::write(dir.join(format!("{}-en.svg", kind.name())), render(&en)).unwrap();
    }
    // A few short bars draw vertically.
    let mut few = sample(ChartKind::Bar);
    few.points.truncate(6);
    few.points.push(("Âm".to_string(), -2_000_000.0));
    std::fs::write(dir.join("bar-vertical.svg"), render(&few)).unwrap();
    let mut empty = sample(ChartKind::Bar);
    empty.points.clear();
    std::fs::write(dir.join("empty.svg"), render(&empty)).unwrap();
}
