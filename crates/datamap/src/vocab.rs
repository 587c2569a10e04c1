//! The data map's closed vocabularies (wire codes, Vietnamese and English
//! labels). The Law on Data's classifications (sharing, importance) are
//! the catalog's own, in `kho_core::vocab`.

use kho_core::vocabulary;

vocabulary! {
    /// What kind of database an entry is (the three kinds of the data map).
    DatabaseClass {
        National = ("national", "Cơ sở dữ liệu quốc gia", "National database"),
        Shared = ("shared", "Cơ sở dữ liệu dùng chung của bộ, ngành, địa phương", "Shared database of a ministry, sector or locality"),
        Specialised = ("specialised", "Cơ sở dữ liệu chuyên ngành, nội bộ", "Specialised or internal database"),
    }
}

vocabulary! {
    /// Where a database is hosted.
    Hosting {
        NationalDataCenter = ("national_data_center", "Trung tâm dữ liệu quốc gia", "National Data Center"),
        AgencyDataCenter = ("agency_data_center", "Trung tâm dữ liệu của cơ quan", "The agency's data center"),
        Cloud = ("cloud", "Điện toán đám mây", "Cloud"),
    }
}

vocabulary! {
    /// Where a database is in its life.
    DatabaseStatus {
        Planned = ("planned", "Đang lập kế hoạch", "Planned"),
        Building = ("building", "Đang xây dựng", "Being built"),
        Operating = ("operating", "Đang vận hành", "Operating"),
    }
}

vocabulary! {
    /// Through what two databases share data.
    Platform {
        Ndxp = ("ndxp", "Nền tảng tích hợp, chia sẻ dữ liệu quốc gia (NDXP)", "National data sharing platform (NDXP)"),
        Lgsp = ("lgsp", "Nền tảng tích hợp, chia sẻ dữ liệu cấp bộ, cấp tỉnh (LGSP)", "Ministry or provincial sharing platform (LGSP)"),
        Direct = ("direct", "Kết nối trực tiếp", "Direct connection"),
    }
}

impl Platform {
    /// True for the integration and sharing platforms (NDXP, LGSP), which
    /// the Strategy asks connections to go through.
    pub fn is_sharing_platform(self) -> bool {
        matches!(self, Platform::Ndxp | Platform::Lgsp)
    }
}

vocabulary! {
    /// Which way data flows on a connection, seen from the database that
    /// declares it.
    Direction {
        Out = ("out", "Cung cấp cho", "Provides to"),
        In = ("in", "Nhận từ", "Receives from"),
        Both = ("both", "Hai chiều", "Both ways"),
    }
}

vocabulary! {
    /// What an endpoint of a database is.
    EndpointKind {
        Api = ("api", "API", "API"),
        Service = ("service", "Dịch vụ dữ liệu", "Data service"),
        Portal = ("portal", "Cổng thông tin", "Portal"),
    }
}

vocabulary! {
    /// The review state of one revision of an entry.
    ReviewState {
        Pending = ("pending", "Chờ duyệt", "Awaiting review"),
        Approved = ("approved", "Đã duyệt", "Approved"),
        Rejected = ("rejected", "Bị từ chối", "Rejected"),
        Superseded = ("superseded", "Đã thay thế", "Superseded"),
    }
}
