//! Fixed vocabularies of the catalog, each with its wire code (what the API
//! reads and writes) and its Vietnamese and English labels.

/// A closed vocabulary whose values have stable wire codes.
pub trait Vocabulary: Sized + Copy + 'static {
    /// Every value, in display order.
    const ALL: &'static [Self];
    /// The code used in the API and the database.
    fn code(self) -> &'static str;
    /// Label in Vietnamese.
    fn label_vi(self) -> &'static str;
    /// Label in English.
    fn label_en(self) -> &'static str;

    /// Parses a wire code.
    fn parse(code: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|v| v.code() == code)
    }

    /// The list of codes, for error messages ("Value must be one of …").
    fn codes() -> Vec<&'static str> {
        Self::ALL.iter().map(|v| v.code()).collect()
    }
}

/// Declares a closed vocabulary: an enum with wire codes and Vietnamese and
/// English labels, implementing [`Vocabulary`], `Display`, `Serialize` and
/// `Deserialize` (as its code). Other domain crates declare theirs with it too.
#[macro_export]
macro_rules! vocabulary {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = ($code:literal, $vi:literal, $en:literal)),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($(#[$vmeta])* #[doc = $en] $variant),+ }

        impl $crate::vocab::Vocabulary for $name {
            const ALL: &'static [Self] = &[$($name::$variant),+];
            fn code(self) -> &'static str { match self { $($name::$variant => $code),+ } }
            fn label_vi(self) -> &'static str { match self { $($name::$variant => $vi),+ } }
            fn label_en(self) -> &'static str { match self { $($name::$variant => $en),+ } }
        }

        impl $crate::__serde::Serialize for $name {
            fn serialize<S: $crate::__serde::Serializer>(&self, s: S) -> ::std::result::Result<S::Ok, S::Error> {
                s.serialize_str($crate::vocab::Vocabulary::code(*self))
            }
        }

        impl<'de> $crate::__serde::Deserialize<'de> for $name {
            fn deserialize<D: $crate::__serde::Deserializer<'de>>(d: D) -> ::std::result::Result<Self, D::Error> {
                let code = <::std::string::String as $crate::__serde::Deserialize>::deserialize(d)?;
                <$name as $crate::vocab::Vocabulary>::parse(&code).ok_or_else(|| {
                    $crate::__serde::de::Error::custom(format!("unknown {} \"{code}\"", stringify!($name)))
                })
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str($crate::vocab::Vocabulary::code(*self))
            }
        }
    };
}

vocabulary! {
    /// Classification by sharing under the Law on Data 60/2024/QH15:
    /// open data, shared data (among state agencies), private-use data.
    DataSharing {
        Open = ("open", "Dữ liệu mở", "Open data"),
        Shared = ("shared", "Dữ liệu dùng chung", "Shared data"),
        PrivateUse = ("private_use", "Dữ liệu dùng riêng", "Private-use data"),
    }
}

vocabulary! {
    /// Classification by importance under the Law on Data 60/2024/QH15.
    DataImportance {
        Core = ("core", "Dữ liệu cốt lõi", "Core data"),
        Important = ("important", "Dữ liệu quan trọng", "Important data"),
        Other = ("other", "Dữ liệu khác", "Other data"),
    }
}

vocabulary! {
    /// How often a dataset is updated. The DCAT export maps each code to
    /// the EU Publications Office's frequency table (`kho_dcat::vocab::frequency`;
    /// not always the same word: twice a year is `ANNUAL_2`).
    UpdateFrequency {
        Continuous = ("continuous", "Liên tục", "Continuously updated"),
        Hourly = ("hourly", "Hằng giờ", "Hourly"),
        Daily = ("daily", "Hằng ngày", "Daily"),
        Weekly = ("weekly", "Hằng tuần", "Weekly"),
        Monthly = ("monthly", "Hằng tháng", "Monthly"),
        Quarterly = ("quarterly", "Hằng quý", "Quarterly"),
        Biannual = ("biannual", "Nửa năm một lần", "Twice a year"),
        Annual = ("annual", "Hằng năm", "Annual"),
        Irregular = ("irregular", "Không định kỳ", "Irregular"),
        Never = ("never", "Không cập nhật", "Never"),
        Unknown = ("unknown", "Chưa xác định", "Unknown"),
    }
}

vocabulary! {
    /// What kind of agency an organization is.
    AgencyKind {
        Ministry = ("ministry", "Bộ, cơ quan ngang bộ", "Ministry or ministry-level agency"),
        GovernmentAgency = ("government_agency", "Cơ quan thuộc Chính phủ", "Government agency"),
        Province = ("province", "Tỉnh, thành phố trực thuộc trung ương", "Province or centrally-run city"),
        Department = ("department", "Sở, ban, ngành", "Department"),
        Commune = ("commune", "Xã, phường, đặc khu", "Commune or ward"),
        Other = ("other", "Tổ chức khác", "Other organization"),
    }
}

vocabulary! {
    /// Lifecycle state of a dataset.
    DatasetState {
        Active = ("active", "Đang công bố", "Active"),
        Draft = ("draft", "Bản nháp", "Draft"),
        Deleted = ("deleted", "Đã xoá", "Deleted"),
    }
}

vocabulary! {
    /// A user's role in an organization or group, weakest first.
    Capacity {
        Member = ("member", "Thành viên", "Member"),
        Editor = ("editor", "Biên tập viên", "Editor"),
        Admin = ("admin", "Quản trị viên", "Admin"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for v in DataSharing::ALL {
            assert_eq!(DataSharing::parse(v.code()), Some(*v));
        }
        assert_eq!(Capacity::parse("editor"), Some(Capacity::Editor));
        assert!(Capacity::Admin > Capacity::Editor && Capacity::Editor > Capacity::Member);
        assert_eq!(UpdateFrequency::parse("weekly").unwrap().label_vi(), "Hằng tuần");
        assert!(DatasetState::parse("purged").is_none());
        // Serde reads and writes the wire code, and refuses others.
        assert_eq!(serde_json::to_value(DataSharing::PrivateUse).unwrap(), "private_use");
        assert_eq!(serde_json::from_value::<DataSharing>("open".into()).unwrap(), DataSharing::Open);
        let err = serde_json::from_value::<DataSharing>("secret".into()).unwrap_err();
        assert!(err.to_string().contains("unknown DataSharing \"secret\""), "{err}");
    }
}
