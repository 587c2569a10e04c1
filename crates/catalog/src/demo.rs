//! The demonstration catalog loaded by `kho serve --demo`: agencies under
//! the 2025 administrative map (a ministry, two centrally-run cities and
//! departments under them), themes, and a dozen datasets with Vietnamese
//! titles and real uploaded files. Figures in the tables are illustrative
//! and each dataset says so; the list of provinces is the official one.

use crate::{Catalog, Result};
use kho_core::authz::Actor;
use kho_core::input::Fields;
use serde_json::{Value, json};

const MARKER: &str = "demo_loaded";

struct Org {
    name: &'static str,
    title: &'static str,
    title_en: &'static str,
    kind: &'static str,
    parent: Option<&'static str>,
    description: &'static str,
}

const ORGS: &[Org] = &[
    Org {
        name: "bo-tai-chinh",
        title: "Bộ Tài chính",
        title_en: "Ministry of Finance",
        kind: "ministry",
        parent: None,
        description: "Cơ quan của Chính phủ quản lý nhà nước về tài chính, ngân sách, thống kê và đầu tư (sau hợp nhất từ 01/3/2025).",
    },
    Org {
        name: "thanh-pho-ha-noi",
        title: "Ủy ban nhân dân Thành phố Hà Nội",
        title_en: "Ha Noi People's Committee",
        kind: "province",
        parent: None,
        description: "Thành phố trực thuộc trung ương, mã đơn vị hành chính 01.",
    },
    Org {
        name: "so-tai-chinh-ha-noi",
        title: "Sở Tài chính Thành phố Hà Nội",
        title_en: "Ha Noi Department of Finance",
        kind: "department",
        parent: Some("thanh-pho-ha-noi"),
        description: "Cơ quan chuyên môn thuộc UBND Thành phố Hà Nội.",
    },
    Org {
        name: "thanh-pho-ho-chi-minh",
        title: "Ủy ban nhân dân Thành phố Hồ Chí Minh",
        title_en: "Ho Chi Minh City People's Committee",
        kind: "province",
        parent: None,
        description: "Thành phố trực thuộc trung ương, mã đơn vị hành chính 79 (từ 01/7/2025 gồm cả Bình Dương và Bà Rịa – Vũng Tàu).",
    },
    Org {
        name: "so-giao-duc-dao-tao-tphcm",
        title: "Sở Giáo dục và Đào tạo TP. Hồ Chí Minh",
        title_en: "Ho Chi Minh City Department of Education and Training",
        kind: "department",
        parent: Some("thanh-pho-ho-chi-minh"),
        description: "Cơ quan chuyên môn thuộc UBND TP. Hồ Chí Minh.",
    },
];

const GROUPS: &[(&str, &str, &str)] = &[
    ("kinh-te-tai-chinh", "Kinh tế – Tài chính", "Economy and finance"),
    ("giao-duc", "Giáo dục", "Education"),
    ("y-te", "Y tế", "Health"),
    ("giao-thong", "Giao thông", "Transport"),
    ("moi-truong", "Tài nguyên – Môi trường", "Environment"),
    ("hanh-chinh", "Hành chính công", "Public administration"),
];

const ILLUSTRATIVE: &str = "\n\n*Dữ liệu minh hoạ của bản demo Kho, không phải số liệu chính thức.*";

struct File {
    name: &'static str,
    filename: &'static str,
    content: &'static str,
}

struct Dataset {
    name: &'static str,
    title: &'static str,
    title_en: &'static str,
    notes: &'static str,
    org: &'static str,
    groups: &'static [&'static str],
    tags: &'static [&'static str],
    license: &'static str,
    frequency: &'static str,
    spatial: &'static str,
    private: bool,
    sharing: &'static str,
    importance: &'static str,
    official: bool,
    files: &'static [File],
    links: &'static [(&'static str, &'static str, &'static str)],
}

const DATASETS: &[Dataset] = &[
    Dataset {
        name: "don-vi-hanh-chinh-cap-tinh-2025",
        title: "Danh mục đơn vị hành chính cấp tỉnh từ ngày 01/7/2025",
        title_en: "Provincial administrative units from 1 July 2025",
        notes: "Danh mục 34 tỉnh, thành phố trực thuộc trung ương sau sắp xếp đơn vị hành chính năm 2025, với mã đơn vị hành chính, loại đơn vị và mã vùng điện thoại.",
        org: "bo-tai-chinh",
        groups: &["hanh-chinh"],
        tags: &["đơn vị hành chính", "danh mục", "tỉnh thành"],
        license: "cc-by-4.0",
        frequency: "irregular",
        spatial: "VN",
        private: false,
        sharing: "open",
        importance: "important",
        official: true,
        files: &[File {
            name: "Danh mục 34 tỉnh, thành phố",
            filename: "don-vi-hanh-chinh-cap-tinh-2025.csv",
            content: include_str!("../demo/provinces_2025.csv"),
        }],
        links: &[],
    },
    Dataset {
        name: "du-toan-ngan-sach-ha-noi-2025",
        title: "Dự toán thu, chi ngân sách Thành phố Hà Nội năm 2025",
        title_en: "Ha Noi budget estimates 2025",
        notes: "Dự toán thu ngân sách nhà nước trên địa bàn và chi ngân sách địa phương năm 2025, theo lĩnh vực (tỷ đồng).",
        org: "so-tai-chinh-ha-noi",
        groups: &["kinh-te-tai-chinh"],
        tags: &["ngân sách", "tài chính công"],
        license: "cc-by-4.0",
        frequency: "annual",
        spatial: "01",
        private: false,
        sharing: "open",
        importance: "other",
        official: false,
        files: &[File {
            name: "Dự toán theo lĩnh vực",
            filename: "du-toan-ngan-sach-2025.csv",
            content: "linh_vuc,loai,du_toan_ty_dong\nThu nội địa,thu,480000\nThu từ dầu thô,thu,0\nThu từ hoạt động xuất nhập khẩu,thu,30000\nChi đầu tư phát triển,chi,85000\nChi thường xuyên,chi,62000\nChi trả nợ lãi,chi,1200\n",
        }],
        links: &[],
    },
    Dataset {
        name: "truong-trung-hoc-pho-thong-tphcm",
        title: "Danh sách trường trung học phổ thông TP. Hồ Chí Minh",
        title_en: "Upper secondary schools in Ho Chi Minh City",
        notes: "Tên trường, loại hình (công lập, tư thục), phường/xã và số lớp của các trường THPT.",
        org: "so-giao-duc-dao-tao-tphcm",
        groups: &["giao-duc"],
        tags: &["giáo dục", "trường học", "THPT"],
        license: "cc-by-4.0",
        frequency: "annual",
        spatial: "79",
        private: false,
        sharing: "open",
        importance: "other",
        official: false,
        files: &[File {
            name: "Danh sách trường",
            filename: "truong-thpt.csv",
            content: "ten_truong,loai_hinh,phuong_xa,so_lop\nTrường THPT Lê Hồng Phong,công lập,Phường Chợ Quán,45\nTrường THPT Nguyễn Thị Minh Khai,công lập,Phường Xuân Hòa,42\nTrường THPT Gia Định,công lập,Phường Gia Định,48\nTrường THPT Trần Đại Nghĩa,công lập,Phường Sài Gòn,40\n",
        }],
        links: &[],
    },
    Dataset {
        name: "chat-luong-khong-khi-ha-noi",
        title: "Chỉ số chất lượng không khí (AQI) hằng ngày tại Hà Nội",
        title_en: "Daily air quality index (AQI) in Ha Noi",
        notes: "AQI trung bình ngày tại các trạm quan trắc tự động trên địa bàn thành phố.",
        org: "thanh-pho-ha-noi",
        groups: &["moi-truong", "y-te"],
        tags: &["môi trường", "không khí", "AQI", "quan trắc"],
        license: "odc-odbl",
        frequency: "daily",
        spatial: "01",
        private: false,
        sharing: "open",
        importance: "other",
        official: false,
        files: &[File {
            name: "AQI theo ngày",
            filename: "aqi-ha-noi.csv",
            content: "ngay,tram,aqi\n2025-11-01,Hoàn Kiếm,112\n2025-11-01,Cầu Giấy,98\n2025-11-02,Hoàn Kiếm,135\n2025-11-02,Cầu Giấy,121\n2025-11-03,Hoàn Kiếm,87\n2025-11-03,Cầu Giấy,79\n",
        }],
        links: &[],
    },
    Dataset {
        name: "diem-wifi-cong-cong-tphcm",
        title: "Điểm truy cập Wi-Fi công cộng TP. Hồ Chí Minh",
        title_en: "Public Wi-Fi hotspots in Ho Chi Minh City",
        notes: "Vị trí các điểm Wi-Fi miễn phí tại khu vực trung tâm, định dạng GeoJSON.",
        org: "thanh-pho-ho-chi-minh",
        groups: &["hanh-chinh"],
        tags: &["wifi", "bản đồ", "hạ tầng số"],
        license: "cc-zero",
        frequency: "quarterly",
        spatial: "79",
        private: false,
        sharing: "open",
        importance: "other",
        official: false,
        files: &[File {
            name: "Điểm Wi-Fi (GeoJSON)",
            filename: "wifi.geojson",
            content: "{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\",\"properties\":{\"ten\":\"Phố đi bộ Nguyễn Huệ\"},\"geometry\":{\"type\":\"Point\",\"coordinates\":[106.7035,10.7740]}},{\"type\":\"Feature\",\"properties\":{\"ten\":\"Công viên 23/9\"},\"geometry\":{\"type\":\"Point\",\"coordinates\":[106.6927,10.7687]}}]}\n",
        }],
        links: &[],
    },
    Dataset {
        name: "thu-tuc-hanh-chinh-ha-noi",
        title: "Danh mục thủ tục hành chính thuộc thẩm quyền giải quyết của Thành phố Hà Nội",
        title_en: "Administrative procedures handled by Ha Noi",
        notes: "Danh mục thủ tục hành chính, cơ quan giải quyết và mức độ dịch vụ công trực tuyến.",
        org: "thanh-pho-ha-noi",
        groups: &["hanh-chinh"],
        tags: &["thủ tục hành chính", "dịch vụ công"],
        license: "cc-by-4.0",
        frequency: "monthly",
        spatial: "01",
        private: false,
        sharing: "open",
        importance: "other",
        official: false,
        files: &[],
        links: &[("Cổng dịch vụ công Thành phố Hà Nội", "https://dichvucong.hanoi.gov.vn/", "HTML")],
    },
    Dataset {
        name: "chi-so-gia-tieu-dung-hang-thang",
        title: "Chỉ số giá tiêu dùng (CPI) hằng tháng",
        title_en: "Monthly consumer price index (CPI)",
        notes: "CPI cả nước so với tháng trước, cùng kỳ năm trước và kỳ gốc.",
        org: "bo-tai-chinh",
        groups: &["kinh-te-tai-chinh"],
        tags: &["CPI", "giá cả", "thống kê"],
        license: "cc-by-4.0",
        frequency: "monthly",
        spatial: "VN",
        private: false,
        sharing: "open",
        importance: "important",
        official: false,
        files: &[File {
            name: "CPI theo tháng",
            filename: "cpi.csv",
            content: "thang,so_thang_truoc,so_cung_ky\n2025-07,100.11,103.19\n2025-08,100.05,103.24\n2025-09,100.42,103.38\n2025-10,100.20,103.25\n",
        }],
        links: &[],
    },
    Dataset {
        name: "tuyen-xe-buyt-ha-noi",
        title: "Danh sách tuyến xe buýt Hà Nội",
        title_en: "Ha Noi bus routes",
        notes: "Số hiệu tuyến, điểm đầu, điểm cuối, giờ hoạt động và tần suất chạy xe.",
        org: "thanh-pho-ha-noi",
        groups: &["giao-thong"],
        tags: &["giao thông", "xe buýt", "giao thông công cộng"],
        license: "cc-by-4.0",
        frequency: "monthly",
        spatial: "01",
        private: false,
        sharing: "open",
        importance: "other",
        official: false,
        files: &[File {
            name: "Tuyến xe buýt",
            filename: "tuyen-xe-buyt.csv",
            content: "so_hieu,diem_dau,diem_cuoi,gio_hoat_dong,tan_suat_phut\n01,Bến xe Gia Lâm,Bến xe Yên Nghĩa,05:00-21:00,10-15\n09A,Bờ Hồ,Bờ Hồ,05:00-21:00,15-20\n32,Bến xe Giáp Bát,Nhổn,05:00-22:30,5-10\n",
        }],
        links: &[],
    },
    Dataset {
        name: "co-so-kham-chua-benh-tphcm",
        title: "Cơ sở khám bệnh, chữa bệnh trên địa bàn TP. Hồ Chí Minh",
        title_en: "Health facilities in Ho Chi Minh City",
        notes: "Bệnh viện và trung tâm y tế: tên, tuyến, số giường bệnh.",
        org: "thanh-pho-ho-chi-minh",
        groups: &["y-te"],
        tags: &["y tế", "bệnh viện"],
        license: "cc-by-4.0",
        frequency: "annual",
        spatial: "79",
        private: false,
        sharing: "open",
        importance: "other",
        official: false,
        files: &[File {
            name: "Cơ sở khám chữa bệnh",
            filename: "co-so-y-te.csv",
            content: "ten,tuyen,so_giuong\nBệnh viện Chợ Rẫy,trung ương,1800\nBệnh viện Nhân dân 115,thành phố,1500\nBệnh viện Nhi Đồng 1,thành phố,1400\n",
        }],
        links: &[],
    },
    Dataset {
        name: "doanh-nghiep-thanh-lap-moi-theo-tinh",
        title: "Số doanh nghiệp đăng ký thành lập mới theo tỉnh, thành phố",
        title_en: "Newly registered enterprises by province",
        notes: "Số doanh nghiệp thành lập mới và vốn đăng ký theo 34 tỉnh, thành phố.",
        org: "bo-tai-chinh",
        groups: &["kinh-te-tai-chinh"],
        tags: &["doanh nghiệp", "đăng ký kinh doanh", "thống kê"],
        license: "cc-by-4.0",
        frequency: "quarterly",
        spatial: "VN",
        private: false,
        sharing: "open",
        importance: "other",
        official: false,
        files: &[File {
            name: "Doanh nghiệp thành lập mới",
            filename: "doanh-nghiep-moi.csv",
            content: "ma_tinh,ten_tinh,quy,so_doanh_nghiep,von_dang_ky_ty_dong\n1,Thành phố Hà Nội,2025-Q3,9120,95400\n79,Thành phố Hồ Chí Minh,2025-Q3,14350,182300\n48,Thành phố Đà Nẵng,2025-Q3,1830,16200\n",
        }],
        links: &[],
    },
    Dataset {
        name: "ket-qua-tuyen-sinh-lop-10-noi-bo",
        title: "Kết quả tuyển sinh lớp 10 theo trường (nội bộ)",
        title_en: "Grade 10 admission results by school (internal)",
        notes: "Điểm chuẩn và số thí sinh trúng tuyển theo trường. Dữ liệu dùng riêng của Sở, không công khai.",
        org: "so-giao-duc-dao-tao-tphcm",
        groups: &["giao-duc"],
        tags: &["tuyển sinh", "giáo dục"],
        license: "other-closed",
        frequency: "annual",
        spatial: "79",
        private: true,
        sharing: "private_use",
        importance: "important",
        official: false,
        files: &[File {
            name: "Kết quả tuyển sinh",
            filename: "tuyen-sinh-lop-10.csv",
            content: "truong,diem_chuan,so_trung_tuyen\nTrường THPT Lê Hồng Phong,24.25,520\nTrường THPT Gia Định,23.00,690\n",
        }],
        links: &[],
    },
    Dataset {
        name: "ke-hoach-chuyen-doi-so-ha-noi-2025",
        title: "Kế hoạch chuyển đổi số Thành phố Hà Nội năm 2025",
        title_en: "Ha Noi digital transformation plan 2025",
        notes: "Các chỉ tiêu, nhiệm vụ và lộ trình chuyển đổi số của thành phố, gắn với Chiến lược dữ liệu quốc gia.",
        org: "thanh-pho-ha-noi",
        groups: &["hanh-chinh"],
        tags: &["chuyển đổi số", "kế hoạch", "dữ liệu"],
        license: "cc-by-4.0",
        frequency: "annual",
        spatial: "01",
        private: false,
        sharing: "open",
        importance: "other",
        official: false,
        files: &[],
        links: &[("Cổng thông tin điện tử Thành phố Hà Nội", "https://hanoi.gov.vn/", "HTML")],
    },
];

impl Catalog {
    /// Loads the demonstration catalog once; later calls do nothing.
    /// Returns whether anything was loaded.
    pub async fn load_demo(&self) -> Result<bool> {
        let mut conn = self.store().conn().await?;
        if kho_store::meta::get(&mut conn, MARKER).await?.is_some() {
            return Ok(false);
        }
        drop(conn);
        let system = Actor::system();
        for o in ORGS {
            if kho_store::groups::find(&mut self.store().conn().await?, o.name, None).await?.is_some() {
                continue;
            }
            let mut dict = json!({
                "name": o.name, "title": o.title, "description": o.description,
                "agency_kind": o.kind, "title_translated": {"en": o.title_en},
            });
            if let Some(p) = o.parent {
                dict["parent"] = json!(p);
            }
            self.group_create(&system, Fields::from_value(dict)?, true).await?;
        }
        for (name, title, en) in GROUPS {
            if kho_store::groups::find(&mut self.store().conn().await?, name, None).await?.is_some() {
                continue;
            }
            let dict = json!({"name": name, "title": title, "title_translated": {"en": en}});
            self.group_create(&system, Fields::from_value(dict)?, false).await?;
        }
        for d in DATASETS {
            if kho_store::packages::find(&mut self.store().conn().await?, d.name).await?.is_some() {
                continue;
            }
            let notes = if d.official { d.notes.to_string() } else { format!("{}{ILLUSTRATIVE}", d.notes) };
            let links: Vec<Value> = d.links.iter().map(|(n, u, f)| json!({"name": n, "url": u, "format": f})).collect();
            let dict = json!({
                "name": d.name, "title": d.title, "notes": notes, "owner_org": d.org,
                "title_translated": {"en": d.title_en},
                "groups": d.groups.iter().map(|g| json!({"name": g})).collect::<Vec<_>>(),
                "tags": d.tags.iter().map(|t| json!({"name": t})).collect::<Vec<_>>(),
                "license_id": d.license, "update_frequency": d.frequency, "spatial": d.spatial,
                "private": d.private, "data_sharing": d.sharing, "data_importance": d.importance,
                "author": "Kho demo", "maintainer": "Bộ phận dữ liệu", "maintainer_email": "du-lieu@example.gov.vn",
                "version": "1.0", "temporal_start": "2025-01-01", "temporal_end": "2025-12-31",
                "resources": links,
            });
            let pkg = self.package_create(&system, Fields::from_value(dict)?).await?;
            for f in d.files {
                let upload = self
                    .store_upload(
                        futures_util::stream::iter([Ok::<_, std::io::Error>(bytes::Bytes::from_static(
                            f.content.as_bytes(),
                        ))]),
                        f.filename,
                        None,
                    )
                    .await?;
                let dict = json!({"package_id": pkg.id, "name": f.name, "description": d.title});
                self.resource_create(&system, Fields::from_value(dict)?, Some(upload)).await?;
            }
        }
        let mut tx = self.store().write().await?;
        kho_store::meta::set(&mut tx, MARKER, &kho_core::timefmt::now()).await?;
        self.commit(tx).await?;
        tracing::info!(datasets = DATASETS.len(), "loaded demo catalog");
        Ok(true)
    }
}
