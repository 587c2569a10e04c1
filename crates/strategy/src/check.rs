//! What can be wrong with what an agency reports, field by field, in
//! English (the API's language) and Vietnamese (the pages'). The parsers of
//! [`crate::evidence`], [`crate::progress`] and [`crate::entries`] collect
//! every problem they find, so a form can show each beside its field.

use crate::evidence::{self, EvidenceKind, MAX_ITEMS};
use crate::{entries, progress};

/// What is wrong with a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Problem {
    /// A required value is absent or empty.
    Missing,
    /// A text was expected.
    NotText,
    /// Longer than the limit (characters).
    TooLong(usize),
    /// Not one of the evidence kinds.
    Kind,
    /// An address that is not `http://` or `https://`.
    UrlScheme,
    /// An address with blanks or control characters in it.
    UrlSpaces,
    /// An address without a host name.
    UrlHost,
    /// Not a dataset name.
    DatasetName,
    /// No public dataset of that name on this node (checked by the catalog).
    DatasetUnknown,
    /// Not a calendar date `YYYY-MM-DD`.
    Date,
    /// A date after today.
    FutureDate,
    /// A field this kind of evidence does not have.
    NotForKind(EvidenceKind),
    /// A field no evidence item has.
    UnknownField,
    /// An item that is not an object.
    NotObject,
    /// The evidence is not a list.
    NotList,
    /// More than [`MAX_ITEMS`] items.
    TooMany,
    /// Not one of the progress statuses.
    Status,
    /// Not a whole number.
    Integer,
    /// Not a number.
    Number,
    /// Outside the range, both ends included.
    Range(u32, u32),
    /// Below zero.
    Negative,
    /// A completed task with a share other than 100 %.
    CompletedNot100,
    /// A task not started with a share above 0 %.
    NotStartedAbove0,
    /// A completed task without evidence.
    CompletedWithoutEvidence,
    /// An entered value without evidence.
    EvidenceRequired,
    /// A numerator greater than its denominator.
    AboveDenominator,
    /// A denominator of zero.
    ZeroDenominator,
    /// A numerator without a denominator, or the other way round.
    HalfRatio,
    /// Neither a ratio nor a percentage was given.
    NoValue,
    /// Both a ratio and a percentage were given.
    RatioAndPercent,
    /// A ratio or a percentage for a target counted in units.
    PercentTargetOnly,
    /// A count for a target measured in percent.
    CountTargetOnly,
}

impl Problem {
    /// The message in English (the API's language).
    pub fn en(self) -> String {
        match self {
            Problem::Missing => "Missing value".into(),
            Problem::NotText => "Must be a text".into(),
            Problem::TooLong(n) => format!("Must be at most {n} characters long"),
            Problem::Kind => "Value must be one of document, link, dataset".into(),
            Problem::UrlScheme => "Must be a web address starting with http:// or https://".into(),
            Problem::UrlSpaces => "A web address must not contain spaces".into(),
            Problem::UrlHost => "The web address has no host name after http:// or https://".into(),
            Problem::DatasetName => {
                "Must be a dataset's name: lowercase letters, digits, - and _ (as in its address)".into()
            }
            Problem::DatasetUnknown => "No public dataset of this name on this node".into(),
            Problem::Date => "Must be a date in the form YYYY-MM-DD".into(),
            Problem::FutureDate => "Must not be after today".into(),
            Problem::NotForKind(k) => format!("Not used for evidence of kind {}", k.code()),
            Problem::UnknownField => "Unknown field: an item has title, kind, url, dataset, number and date".into(),
            Problem::NotObject => "Each item must be an object {title, kind, …}".into(),
            Problem::NotList => "Must be a list of items {title, kind, url, dataset, number, date}".into(),
            Problem::TooMany => format!("Must have at most {MAX_ITEMS} items"),
            Problem::Status => "Value must be one of not_started, in_progress, completed, delayed".into(),
            Problem::Integer => "Must be a whole number".into(),
            Problem::Number => "Must be a number".into(),
            Problem::Range(a, b) => format!("Must be between {a} and {b}"),
            Problem::Negative => "Must not be negative".into(),
            Problem::CompletedNot100 => "A completed task is 100 % complete".into(),
            Problem::NotStartedAbove0 => "A task not started is 0 % complete".into(),
            Problem::CompletedWithoutEvidence => "A completed task needs at least one item of evidence".into(),
            Problem::EvidenceRequired => "An entered value needs at least one item of evidence".into(),
            Problem::AboveDenominator => "Must not be greater than the denominator".into(),
            Problem::ZeroDenominator => "Must be greater than 0".into(),
            Problem::HalfRatio => "Give both numerator and denominator".into(),
            Problem::NoValue => "Give numerator and denominator, or percent".into(),
            Problem::RatioAndPercent => "Give either numerator and denominator, or percent, not both".into(),
            Problem::PercentTargetOnly => "Only for targets measured in percent; this target counts units".into(),
            Problem::CountTargetOnly => "Only for targets counted in units; this target is measured in percent".into(),
        }
    }

    /// The message in Vietnamese.
    pub fn vi(self) -> String {
        match self {
            Problem::Missing => "Chưa nhập giá trị".into(),
            Problem::NotText => "Phải là văn bản".into(),
            Problem::TooLong(n) => format!("Dài tối đa {n} ký tự"),
            Problem::Kind => "Phải là một trong: văn bản, liên kết, bộ dữ liệu".into(),
            Problem::UrlScheme => "Phải là địa chỉ web bắt đầu bằng http:// hoặc https://".into(),
            Problem::UrlSpaces => "Địa chỉ web không được có dấu cách".into(),
            Problem::UrlHost => "Địa chỉ web thiếu tên máy chủ sau http:// hoặc https://".into(),
            Problem::DatasetName => {
                "Phải là tên bộ dữ liệu: chữ thường không dấu, chữ số, - và _ (như trong địa chỉ của nó)".into()
            }
            Problem::DatasetUnknown => "Không có bộ dữ liệu công khai nào mang tên này trên hệ thống".into(),
            Problem::Date => "Phải là ngày theo dạng NNNN-TT-NN".into(),
            Problem::FutureDate => "Không được sau ngày hôm nay".into(),
            Problem::NotForKind(k) => format!("Không dùng cho minh chứng loại {}", k.label_vi().to_lowercase()),
            Problem::UnknownField => {
                "Trường không có: mỗi minh chứng gồm tiêu đề, loại, địa chỉ, bộ dữ liệu, số hiệu và ngày".into()
            }
            Problem::NotObject => "Mỗi minh chứng phải là một đối tượng {title, kind, …}".into(),
            Problem::NotList => "Phải là danh sách minh chứng".into(),
            Problem::TooMany => format!("Tối đa {MAX_ITEMS} minh chứng"),
            Problem::Status => "Phải là một trong: Chưa triển khai, Đang triển khai, Hoàn thành, Chậm tiến độ".into(),
            Problem::Integer => "Phải là số nguyên".into(),
            Problem::Number => "Phải là số".into(),
            Problem::Range(a, b) => format!("Phải từ {a} đến {b}"),
            Problem::Negative => "Không được là số âm".into(),
            Problem::CompletedNot100 => "Nhiệm vụ đã hoàn thành thì đạt 100 %".into(),
            Problem::NotStartedAbove0 => "Nhiệm vụ chưa triển khai thì đạt 0 %".into(),
            Problem::CompletedWithoutEvidence => "Nhiệm vụ đã hoàn thành cần ít nhất một minh chứng".into(),
            Problem::EvidenceRequired => "Số liệu nhập tay cần ít nhất một minh chứng".into(),
            Problem::AboveDenominator => "Không được lớn hơn mẫu số".into(),
            Problem::ZeroDenominator => "Phải lớn hơn 0".into(),
            Problem::HalfRatio => "Cần nhập cả tử số và mẫu số".into(),
            Problem::NoValue => "Hãy nhập tử số và mẫu số, hoặc tỷ lệ phần trăm".into(),
            Problem::RatioAndPercent => "Chỉ nhập tử số và mẫu số, hoặc tỷ lệ phần trăm, không nhập cả hai".into(),
            Problem::PercentTargetOnly => "Chỉ dùng cho mục tiêu tính theo tỷ lệ; mục tiêu này đếm số lượng".into(),
            Problem::CountTargetOnly => "Chỉ dùng cho mục tiêu đếm số lượng; mục tiêu này tính theo tỷ lệ".into(),
        }
    }

    /// Every message this crate gives: each problem, with the parameters
    /// its parsers use.
    fn catalogue() -> Vec<Problem> {
        let mut all = vec![
            Problem::Missing,
            Problem::NotText,
            Problem::Kind,
            Problem::UrlScheme,
            Problem::UrlSpaces,
            Problem::UrlHost,
            Problem::DatasetName,
            Problem::DatasetUnknown,
            Problem::Date,
            Problem::FutureDate,
            Problem::UnknownField,
            Problem::NotObject,
            Problem::NotList,
            Problem::TooMany,
            Problem::Status,
            Problem::Integer,
            Problem::Number,
            Problem::Range(0, 100),
            Problem::Negative,
            Problem::CompletedNot100,
            Problem::NotStartedAbove0,
            Problem::CompletedWithoutEvidence,
            Problem::EvidenceRequired,
            Problem::AboveDenominator,
            Problem::ZeroDenominator,
            Problem::HalfRatio,
            Problem::NoValue,
            Problem::RatioAndPercent,
            Problem::PercentTargetOnly,
            Problem::CountTargetOnly,
        ];
        all.extend(EvidenceKind::ALL.map(Problem::NotForKind));
        all.extend(
            [
                evidence::TITLE_MAX,
                evidence::URL_MAX,
                evidence::NUMBER_MAX,
                evidence::DATASET_MAX,
                progress::TEXT_MAX,
                progress::PERIOD_MAX,
                entries::NOTE_MAX,
            ]
            .map(Problem::TooLong),
        );
        all
    }
}

/// A problem and where it is: the field, and the item for a list's items.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldProblem {
    /// The item of a list, counted from 0; `None` for the field as a whole.
    pub index: Option<usize>,
    /// The field (`"url"` within an evidence item, `"percent"`, …).
    pub field: &'static str,
    /// What is wrong.
    pub problem: Problem,
}

impl FieldProblem {
    /// A problem with a whole field.
    pub fn field(field: &'static str, problem: Problem) -> FieldProblem {
        FieldProblem { index: None, field, problem }
    }

    /// A problem with a field of item `index` of a list.
    pub fn item(index: usize, field: &'static str, problem: Problem) -> FieldProblem {
        FieldProblem { index: Some(index), field, problem }
    }
}

/// The Vietnamese of one of this crate's English messages (a [`Problem`]
/// or a [`crate::workflow::WorkflowError`]), if it is one.
pub fn message_vi(en: &str) -> Option<String> {
    Problem::catalogue().into_iter().find(|p| p.en() == en).map(Problem::vi).or_else(|| crate::workflow::message_vi(en))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_message_has_its_vietnamese() {
        let all = Problem::catalogue();
        for p in &all {
            assert_eq!(message_vi(&p.en()), Some(p.vi()), "{p:?}");
            assert_ne!(p.en(), p.vi());
        }
        // No two problems share a message, so the translation is unambiguous.
        let mut en: Vec<String> = all.iter().map(|p| p.en()).collect();
        en.sort();
        en.dedup();
        let mut distinct: Vec<Problem> = Vec::new();
        for p in all {
            if !distinct.contains(&p) {
                distinct.push(p);
            }
        }
        assert_eq!(en.len(), distinct.len());
        assert_eq!(message_vi("Something else"), None);
    }
}
