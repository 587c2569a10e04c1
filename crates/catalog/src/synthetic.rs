//! Synthetic catalogs for benchmarks (`kho demo generate`, `kho bench`):
//! agencies from the 34 provinces of the 2025 map and the ministries,
//! datasets with Vietnamese and English titles, tags, formats and
//! classifications. Deterministic: the same seed gives the same catalog.

use crate::datasets::Background;
use crate::{Catalog, Result};
use kho_core::authz::Actor;
use kho_core::input::Fields;
use kho_core::names::slugify;
use serde_json::{Value, json};

/// The 34 provinces and centrally-run cities since 1 July 2025 (code, name).
pub const PROVINCES: &[(u32, &str)] = &[
    (1, "Thành phố Hà Nội"),
    (4, "Tỉnh Cao Bằng"),
    (8, "Tỉnh Tuyên Quang"),
    (11, "Tỉnh Điện Biên"),
    (12, "Tỉnh Lai Châu"),
    (14, "Tỉnh Sơn La"),
    (15, "Tỉnh Lào Cai"),
    (19, "Tỉnh Thái Nguyên"),
    (20, "Tỉnh Lạng Sơn"),
    (22, "Tỉnh Quảng Ninh"),
    (24, "Tỉnh Bắc Ninh"),
    (25, "Tỉnh Phú Thọ"),
    (31, "Thành phố Hải Phòng"),
    (33, "Tỉnh Hưng Yên"),
    (37, "Tỉnh Ninh Bình"),
    (38, "Tỉnh Thanh Hóa"),
    (40, "Tỉnh Nghệ An"),
    (42, "Tỉnh Hà Tĩnh"),
    (44, "Tỉnh Quảng Trị"),
    (46, "Thành phố Huế"),
    (48, "Thành phố Đà Nẵng"),
    (51, "Tỉnh Quảng Ngãi"),
    (52, "Tỉnh Gia Lai"),
    (56, "Tỉnh Khánh Hòa"),
    (66, "Tỉnh Đắk Lắk"),
    (68, "Tỉnh Lâm Đồng"),
    (75, "Tỉnh Đồng Nai"),
    (79, "Thành phố Hồ Chí Minh"),
    (80, "Tỉnh Tây Ninh"),
    (82, "Tỉnh Đồng Tháp"),
    (86, "Tỉnh Vĩnh Long"),
    (91, "Tỉnh An Giang"),
    (92, "Thành phố Cần Thơ"),
    (96, "Tỉnh Cà Mau"),
];

/// Ministries and ministry-level agencies after the 2025 restructuring.
pub const MINISTRIES: &[&str] = &[
    "Bộ Quốc phòng",
    "Bộ Công an",
    "Bộ Ngoại giao",
    "Bộ Nội vụ",
    "Bộ Tư pháp",
    "Bộ Tài chính",
    "Bộ Công Thương",
    "Bộ Nông nghiệp và Môi trường",
    "Bộ Xây dựng",
    "Bộ Văn hóa, Thể thao và Du lịch",
    "Bộ Khoa học và Công nghệ",
    "Bộ Giáo dục và Đào tạo",
    "Bộ Y tế",
    "Bộ Dân tộc và Tôn giáo",
    "Ngân hàng Nhà nước Việt Nam",
    "Thanh tra Chính phủ",
];

const TOPICS: &[(&str, &str, &[&str])] = &[
    ("Danh sách trường học", "List of schools", &["giáo dục", "trường học"]),
    ("Dân số và lao động", "Population and labour", &["dân số", "lao động", "thống kê"]),
    ("Chất lượng nước mặt", "Surface water quality", &["môi trường", "nước"]),
    ("Chỉ số chất lượng không khí", "Air quality index", &["môi trường", "không khí"]),
    ("Dự toán ngân sách", "Budget estimates", &["ngân sách", "tài chính công"]),
    ("Quyết toán ngân sách", "Budget outturn", &["ngân sách", "tài chính công"]),
    ("Doanh nghiệp đăng ký mới", "Newly registered enterprises", &["doanh nghiệp", "kinh tế"]),
    ("Cơ sở khám chữa bệnh", "Health facilities", &["y tế", "bệnh viện"]),
    ("Tuyến xe buýt", "Bus routes", &["giao thông", "xe buýt"]),
    ("Tai nạn giao thông", "Road traffic accidents", &["giao thông", "an toàn"]),
    ("Giá đất", "Land prices", &["đất đai", "giá cả"]),
    ("Quy hoạch sử dụng đất", "Land use plan", &["đất đai", "quy hoạch"]),
    ("Điểm du lịch", "Tourist sites", &["du lịch", "văn hóa"]),
    ("Thủ tục hành chính", "Administrative procedures", &["dịch vụ công", "hành chính"]),
    ("Dịch vụ công trực tuyến", "Online public services", &["dịch vụ công", "chuyển đổi số"]),
    ("Sản lượng lúa", "Rice output", &["nông nghiệp", "lúa gạo"]),
    ("Diện tích rừng", "Forest area", &["lâm nghiệp", "môi trường"]),
    ("Chỉ số giá tiêu dùng", "Consumer price index", &["giá cả", "thống kê"]),
    ("Lượng mưa theo tháng", "Monthly rainfall", &["khí tượng", "thời tiết"]),
    ("Hộ nghèo và cận nghèo", "Poor and near-poor households", &["an sinh xã hội", "giảm nghèo"]),
    ("Cơ sở lưu trú du lịch", "Tourist accommodation", &["du lịch", "lưu trú"]),
    ("Trạm sạc xe điện", "Electric vehicle charging stations", &["năng lượng", "giao thông"]),
    ("Điểm Wi-Fi công cộng", "Public Wi-Fi hotspots", &["hạ tầng số", "wifi"]),
    ("Kết quả thi tốt nghiệp", "Graduation exam results", &["giáo dục", "thi cử"]),
];

const FORMATS: &[&str] = &["CSV", "XLSX", "JSON", "GeoJSON", "PDF", "XML", "Parquet"];
const LICENSES: &[&str] = &["cc-by-4.0", "cc-by-4.0", "cc-zero", "odc-odbl", "vn-odl-1.0", "other-open"];
const FREQUENCIES: &[&str] = &["daily", "weekly", "monthly", "quarterly", "annual", "irregular"];

/// A small deterministic generator (xorshift64*): benchmarks must be repeatable.
pub struct Rng(u64);

impl Rng {
    /// A generator from a seed.
    pub fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    /// The next number.
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number below `n`.
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }

    /// An element of a slice.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// The organization name used for a province code.
pub fn province_org_name(code: u32) -> String {
    format!("tinh-{code:02}")
}

/// Creates the synthetic agencies (if missing) and returns their names.
pub async fn ensure_agencies(catalog: &Catalog) -> Result<Vec<String>> {
    let system = Actor::system();
    let mut names = Vec::new();
    for (code, title) in PROVINCES {
        let name = province_org_name(*code);
        names.push(name.clone());
        if kho_store::groups::find(&mut catalog.store().conn().await?, &name, None).await?.is_some() {
            continue;
        }
        let dict = json!({"name": name, "title": format!("UBND {title}"), "agency_kind": "province",
            "agency_code": format!("{code:02}")});
        catalog.group_create(&system, Fields::from_value(dict)?, true).await?;
    }
    for title in MINISTRIES {
        let name = slugify(title);
        names.push(name.clone());
        if kho_store::groups::find(&mut catalog.store().conn().await?, &name, None).await?.is_some() {
            continue;
        }
        let dict = json!({"name": name, "title": title, "agency_kind": "ministry"});
        catalog.group_create(&system, Fields::from_value(dict)?, true).await?;
    }
    Ok(names)
}

/// The dictionary of synthetic dataset number `i`.
pub fn dataset_dict(i: u64, agencies: &[String], rng: &mut Rng) -> Value {
    let (topic_vi, topic_en, topic_tags) = rng.pick(TOPICS);
    let (code, place) = *rng.pick(PROVINCES);
    let year = 2015 + rng.below(11);
    let org = if rng.below(3) == 0 { rng.pick(agencies).clone() } else { province_org_name(code) };
    let title = format!("{topic_vi} {place} năm {year}");
    let title_en = format!("{topic_en}, {} ({year})", kho_core::names::slugify(place).replace('-', " "));
    let mut tags: Vec<Value> = topic_tags.iter().map(|t| json!({"name": t})).collect();
    tags.push(json!({"name": format!("năm {year}")}));
    let n_res = 1 + rng.below(3);
    let resources: Vec<Value> = (0..n_res)
        .map(|r| {
            let fmt = rng.pick(FORMATS);
            json!({"name": format!("{topic_vi} ({fmt})"), "format": fmt,
                "url": format!("https://data.example.gov.vn/{i}/{r}.{}", fmt.to_lowercase())})
        })
        .collect();
    let private = rng.below(20) == 0;
    json!({
        "name": format!("{}-{i}", slugify(&format!("{topic_vi} {place} {year}"))),
        "title": title,
        "title_translated": {"en": title_en},
        "notes": format!("Dữ liệu tổng hợp (sinh tự động cho kiểm thử hiệu năng) về {} tại {place}, năm {year}.", topic_vi.to_lowercase()),
        "owner_org": org,
        "license_id": rng.pick(LICENSES),
        "update_frequency": rng.pick(FREQUENCIES),
        "spatial": format!("{code:02}"),
        "private": private,
        "data_sharing": if private { "shared" } else { "open" },
        "tags": tags,
        "resources": resources,
        "temporal_start": format!("{year}-01-01"),
        "temporal_end": format!("{year}-12-31"),
    })
}

/// Creates `n` synthetic datasets through `package_create`; `progress` is
/// told how many are done after each one. Returns the names created.
pub async fn generate(catalog: &Catalog, n: u64, seed: u64, mut progress: impl FnMut(u64)) -> Result<Vec<String>> {
    let agencies = ensure_agencies(catalog).await?;
    let system = Actor::system();
    let mut rng = Rng::new(seed);
    let start = kho_store::packages::count_visible(
        &mut catalog.store().conn().await?,
        &kho_core::authz::dataset_filter(&system),
    )
    .await? as u64;
    let mut names = Vec::with_capacity(n as usize);
    for i in 0..n {
        let dict = dataset_dict(start + i, &agencies, &mut rng);
        // The links are made up: fetching them would only fill the job queue.
        let pkg = catalog.package_create_with(&system, Fields::from_value(dict)?, Background::Skip).await?;
        names.push(pkg.name);
        progress(i + 1);
    }
    Ok(names)
}

/// Sectors of synthetic data-map entries.
const SECTORS: &[&str] =
    &["Y tế", "Giáo dục", "Dân cư", "Đất đai", "Giao thông", "Tài chính", "Lao động", "Môi trường"];

/// Fills the data map with `databases` approved entries over the synthetic
/// agencies and about `connections` connections between them (seed
/// `seed`), written straight to the store in batches of 500 per
/// transaction (a benchmark's set-up, not an agency's workflow: no review
/// queue, one revision each). 200 data elements, a tenth of them with a
/// master database; one entry is the national repository.
pub async fn datamap(
    catalog: &Catalog,
    databases: u64,
    connections: u64,
    seed: u64,
    mut progress: impl FnMut(u64),
) -> Result<()> {
    use kho_datamap::vocab::{DatabaseClass, DatabaseStatus, Direction, Hosting, Platform};
    use kho_store::datamap as store;
    let names = ensure_agencies(catalog).await?;
    let mut ids = Vec::new();
    {
        let mut conn = catalog.store().conn().await?;
        for n in &names {
            if let Some(g) = kho_store::groups::find(&mut conn, n, Some(true)).await? {
                ids.push(g.id);
            }
        }
    }
    let mut rng = Rng::new(seed);
    let n = databases.max(1);
    let name = |i: u64| format!("csdl-tong-hop-{i}");
    let now = kho_core::timefmt::now();
    let mut tx = catalog.store().write().await?;
    for e in 0..200u64 {
        let master = (e % 10 == 0).then(|| name(rng.below(n as usize) as u64));
        let el = kho_datamap::DataElement {
            name: format!("phan-tu-{e}"),
            title: format!("Phần tử dữ liệu {e}"),
            title_translated: Default::default(),
            definition: None,
            data_type: "string".into(),
            format: None,
            master,
        };
        store::upsert_element(
            &mut tx,
            &store::ElementRow {
                id: kho_store::new_id(),
                name: el.name.clone(),
                doc: serde_json::to_string(&el).map_err(crate::Error::internal)?,
                state: "active".into(),
                created: now.clone(),
                modified: now.clone(),
                modifier_user_id: None,
            },
        )
        .await?;
    }
    let per = connections / n;
    let extra = connections % n;
    for i in 0..n {
        let class = match rng.below(10) {
            0 => DatabaseClass::National,
            1..=6 => DatabaseClass::Shared,
            _ => DatabaseClass::Specialised,
        };
        let k = per + u64::from(i < extra);
        let mut conns: Vec<kho_datamap::Connection> = Vec::new();
        for _ in 0..k {
            let j = rng.below(n as usize) as u64;
            let platform = *rng.pick(&[Platform::Ndxp, Platform::Lgsp, Platform::Lgsp, Platform::Direct]);
            if j == i || conns.iter().any(|c| c.database == name(j) && c.platform == platform) {
                continue;
            }
            let direction = *rng.pick(&[Direction::Out, Direction::In, Direction::Both]);
            conns.push(kho_datamap::Connection {
                database: name(j),
                direction,
                platform,
                elements: vec![],
                note: None,
            });
        }
        let entry = kho_datamap::DatabaseEntry {
            name: name(i),
            title: format!("Cơ sở dữ liệu tổng hợp số {i}"),
            title_translated: Default::default(),
            owner_org: rng.pick(&ids).clone(),
            purpose: None,
            legal_basis: None,
            sector: Some(rng.pick(SECTORS).to_string()),
            class,
            data_sharing: *rng.pick(&[kho_core::vocab::DataSharing::Open, kho_core::vocab::DataSharing::Shared]),
            data_importance: *rng.pick(&[
                kho_core::vocab::DataImportance::Important,
                kho_core::vocab::DataImportance::Other,
                kho_core::vocab::DataImportance::Other,
                kho_core::vocab::DataImportance::Core,
            ]),
            hosting: Some(*rng.pick(&[Hosting::NationalDataCenter, Hosting::AgencyDataCenter, Hosting::Cloud])),
            security_level: Some(1 + rng.below(5) as u8),
            protection_4_layer: rng.below(2) == 0,
            status: DatabaseStatus::Operating,
            records: Some(rng.next_u64() % 10_000_000),
            size_bytes: None,
            update_frequency: None,
            endpoints: vec![],
            entities: vec![],
            elements: (0..3).map(|_| format!("phan-tu-{}", rng.below(200))).collect(),
            connections: conns,
            national_repository: i == 0,
        };
        let row = store::DatabaseRow {
            id: kho_store::new_id(),
            name: entry.name.clone(),
            owner_org: entry.owner_org.clone(),
            state: "active".into(),
            revision: 1,
            approved_revision: Some(1),
            created: now.clone(),
            modified: now.clone(),
            harvest_source_id: None,
            harvest_remote_id: None,
        };
        store::upsert_database(&mut tx, &row).await?;
        store::insert_revision(
            &mut tx,
            &store::RevisionRow {
                database_id: row.id.clone(),
                revision: 1,
                action: "create".into(),
                doc: entry.to_json().to_string(),
                message: "Sinh tự động cho kiểm thử hiệu năng".into(),
                author_user_id: None,
                author_name: None,
                created: now.clone(),
                review_state: "approved".into(),
                reviewer_user_id: None,
                reviewer_name: None,
                reviewed: Some(now.clone()),
                review_note: None,
            },
        )
        .await?;
        if (i + 1) % 500 == 0 {
            store::bump_generation(&mut tx).await?;
            tx.commit().await?;
            tx = catalog.store().write().await?;
        }
        progress(i + 1);
    }
    store::bump_generation(&mut tx).await?;
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_and_valid() {
        let agencies = vec!["bo-y-te".to_string()];
        let a = dataset_dict(1, &agencies, &mut Rng::new(7));
        let b = dataset_dict(1, &agencies, &mut Rng::new(7));
        assert_eq!(a, b);
        let input = kho_core::input::PackageInput::parse(Fields::from_value(a).unwrap()).unwrap();
        assert!(input.title.contains("năm"));
        assert_eq!(PROVINCES.len(), 34);
    }
}
