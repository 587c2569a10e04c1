//! The review workflow of what agencies report (a task's progress, an
//! entered indicator value): the agency edits a draft and submits it; a
//! reviewer approves it or rejects it with a note, back to the agency.
//!
//! ```text
//!            edit                submit               approve
//!   (new) ─────────▶ draft ───────────────▶ submitted ─────────▶ approved
//!                    ▲  │ edit                 │ reject              │
//!                    │  ▼                      ▼                     │
//!                    draft ◀──── edit ──── rejected                  │
//!                    ▲                                               │
//!                    └──────────────────── edit ─────────────────────┘
//! ```
//!
//! A submitted record is frozen until reviewed. Editing an approved record
//! starts a new draft; what was approved stays public until the new draft
//! is approved in its turn.

use serde::{Deserialize, Serialize};

/// Where a record is in its review.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewState {
    /// Being written by the agency.
    Draft,
    /// Sent for review; frozen.
    Submitted,
    /// Accepted by a reviewer: public.
    Approved,
    /// Sent back to the agency with a note.
    Rejected,
}

impl ReviewState {
    /// Every state, in the workflow's order.
    pub const ALL: [ReviewState; 4] =
        [ReviewState::Draft, ReviewState::Submitted, ReviewState::Approved, ReviewState::Rejected];

    /// The wire code.
    pub fn code(self) -> &'static str {
        match self {
            ReviewState::Draft => "draft",
            ReviewState::Submitted => "submitted",
            ReviewState::Approved => "approved",
            ReviewState::Rejected => "rejected",
        }
    }

    /// Parses a wire code.
    pub fn parse(code: &str) -> Option<ReviewState> {
        ReviewState::ALL.into_iter().find(|s| s.code() == code)
    }

    /// The label in Vietnamese.
    pub fn label_vi(self) -> &'static str {
        match self {
            ReviewState::Draft => "Bản nháp",
            ReviewState::Submitted => "Chờ thẩm định",
            ReviewState::Approved => "Đã duyệt",
            ReviewState::Rejected => "Bị trả lại",
        }
    }

    /// The label in English.
    pub fn label_en(self) -> &'static str {
        match self {
            ReviewState::Draft => "Draft",
            ReviewState::Submitted => "Awaiting review",
            ReviewState::Approved => "Approved",
            ReviewState::Rejected => "Returned",
        }
    }

    /// The state after `step`, or why the step is not allowed now.
    pub fn after(self, step: Step) -> Result<ReviewState, WorkflowError> {
        use ReviewState::*;
        match (self, step) {
            (Draft | Rejected | Approved, Step::Edit) => Ok(Draft),
            (Submitted, Step::Edit) => Err(WorkflowError::Frozen),
            (Draft | Rejected, Step::Submit) => Ok(Submitted),
            (Submitted, Step::Submit) => Err(WorkflowError::AlreadySubmitted),
            (Approved, Step::Submit) => Err(WorkflowError::NothingToSubmit),
            (Submitted, Step::Approve) => Ok(Approved),
            (Submitted, Step::Reject) => Ok(Rejected),
            (s, Step::Approve | Step::Reject) => Err(WorkflowError::NotSubmitted(s)),
        }
    }
}

/// What someone does to a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    /// The agency writes (creating the record the first time).
    Edit,
    /// The agency sends it for review.
    Submit,
    /// A reviewer accepts it.
    Approve,
    /// A reviewer sends it back.
    Reject,
}

impl Step {
    /// The wire code, as history entries name it.
    pub fn code(self) -> &'static str {
        match self {
            Step::Edit => "edit",
            Step::Submit => "submit",
            Step::Approve => "approve",
            Step::Reject => "reject",
        }
    }

    /// Parses a reviewer's decision: `approve` or `reject`.
    pub fn decision(code: &str) -> Option<Step> {
        match code {
            "approve" => Some(Step::Approve),
            "reject" => Some(Step::Reject),
            _ => None,
        }
    }
}

/// Why a step is not allowed in the record's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum WorkflowError {
    /// It awaits review: nobody edits it meanwhile.
    #[error("It has been submitted and awaits review; it can be edited again once reviewed")]
    Frozen,
    /// It was already submitted.
    #[error("It has already been submitted")]
    AlreadySubmitted,
    /// It is approved and unchanged since.
    #[error("It is approved and has not changed since; edit it first")]
    NothingToSubmit,
    /// Only a submitted record is reviewed.
    #[error("Only a submitted record is reviewed")]
    NotSubmitted(ReviewState),
}

impl WorkflowError {
    /// The message in Vietnamese.
    pub fn vi(self) -> &'static str {
        match self {
            WorkflowError::Frozen => "Bản này đã gửi và đang chờ thẩm định; chỉ sửa được sau khi thẩm định xong",
            WorkflowError::AlreadySubmitted => "Bản này đã được gửi",
            WorkflowError::NothingToSubmit => "Bản này đã được duyệt và chưa thay đổi; hãy sửa trước khi gửi lại",
            WorkflowError::NotSubmitted(_) => "Chỉ thẩm định bản đã gửi",
        }
    }
}

/// The Vietnamese of a [`WorkflowError`]'s English message.
pub(crate) fn message_vi(en: &str) -> Option<String> {
    [
        WorkflowError::Frozen,
        WorkflowError::AlreadySubmitted,
        WorkflowError::NothingToSubmit,
        WorkflowError::NotSubmitted(ReviewState::Draft),
    ]
    .into_iter()
    .find(|e| e.to_string() == en)
    .map(|e| e.vi().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ReviewState::*;

    #[test]
    fn the_whole_table() {
        let steps = [Step::Edit, Step::Submit, Step::Approve, Step::Reject];
        let expected: [[Result<ReviewState, WorkflowError>; 4]; 4] = [
            // Draft
            [
                Ok(Draft),
                Ok(Submitted),
                Err(WorkflowError::NotSubmitted(Draft)),
                Err(WorkflowError::NotSubmitted(Draft)),
            ],
            // Submitted
            [Err(WorkflowError::Frozen), Err(WorkflowError::AlreadySubmitted), Ok(Approved), Ok(Rejected)],
            // Approved
            [
                Ok(Draft),
                Err(WorkflowError::NothingToSubmit),
                Err(WorkflowError::NotSubmitted(Approved)),
                Err(WorkflowError::NotSubmitted(Approved)),
            ],
            // Rejected
            [
                Ok(Draft),
                Ok(Submitted),
                Err(WorkflowError::NotSubmitted(Rejected)),
                Err(WorkflowError::NotSubmitted(Rejected)),
            ],
        ];
        for (state, row) in ReviewState::ALL.into_iter().zip(expected) {
            for (step, want) in steps.into_iter().zip(row) {
                assert_eq!(state.after(step), want, "{state:?} + {step:?}");
            }
        }
    }

    #[test]
    fn a_record_goes_round_to_approval() {
        let mut s = Draft;
        for step in [Step::Edit, Step::Submit, Step::Reject, Step::Edit, Step::Submit, Step::Approve, Step::Edit] {
            s = s.after(step).unwrap();
        }
        assert_eq!(s, Draft, "an approved record edited is a new draft");
    }

    #[test]
    fn codes_and_messages() {
        for s in ReviewState::ALL {
            assert_eq!(ReviewState::parse(s.code()), Some(s));
        }
        assert_eq!(ReviewState::parse("pending"), None);
        assert_eq!(Step::decision("approve"), Some(Step::Approve));
        assert_eq!(Step::decision("edit"), None);
        for e in [WorkflowError::Frozen, WorkflowError::AlreadySubmitted, WorkflowError::NothingToSubmit] {
            assert_eq!(message_vi(&e.to_string()).as_deref(), Some(e.vi()));
        }
    }
}
