//! The National Data Strategy to 2030 (Decision 142/QĐ-TTg of 2 February 2024,
//! *Chiến lược dữ liệu quốc gia đến năm 2030*) as data: its quantified 2030
//! targets and the key tasks of its appendix, with the agencies it names and
//! the ministries that hold those tasks today.
//!
//! - [`mod@seed`]: the curated seed (`seed/decision-142.json`, compiled in) and
//!   its types: [`Seed`], [`Decision`], [`AgencyChange`], [`Target`],
//!   [`Task`], [`Deadline`].
//! - [`indicators`]: the indicators Kho computes from the data map and the
//!   catalog, for each ministry-level agency, each province and the nation.
//! - [`ranking`]: the annual ranking by a versioned [`ranking::Method`].
//! - [`progress`]: the tasks' progress as agencies report it (statuses, the
//!   agencies a task concerns today, the overall status of a task);
//!   [`entries`]: indicator values entered by hand for the targets Kho
//!   cannot compute; [`evidence`]: what backs both; [`workflow`]: their
//!   review (draft → submitted → approved or rejected); [`check`]: their
//!   field-by-field problems, in English and Vietnamese.
//!
//! Invariant: no I/O. The seed is a compile-time constant; its tests check it
//! row by row against the Decision's Vietnamese text, vendored verbatim in
//! `seed/decision-142-appendix-vi.txt` (the appendix) and
//! `seed/decision-142-targets-vi.txt` (the goals). A Vietnamese legal or
//! administrative document is not protected by copyright (Law on
//! Intellectual Property, Article 15), so it can be vendored.
//!
//! # How the seed reads the Decision
//!
//! - **Text is verbatim.** Every Vietnamese text, agency and deadline is the
//!   printed cell, without the extraction's trailing `" |"`; quirks are kept
//!   (`"2025 -2030"`, an en dash in `"2024 – 2025"`, the hyphenless
//!   `"Bộ Lao động Thương binh và Xã hội"`, a missing full stop). The 2024
//!   agency names are never rewritten: today's ministries are a separate
//!   field ([`Task::lead_current_vi`]) derived from [`AgencyChange`]s.
//! - **English** comes from the reference translation where it is complete
//!   ([`EnSource::Reference`]); where that translation masks a passage with
//!   "..." or gives only part of it, the English is Kho's ([`EnSource::Kho`]).
//!   Agency names in English follow one glossary throughout.
//! - **Targets.** The Decision sets goals for 2030 only. An item with two
//!   figures (III.2.d, III.3.a, III.3.c, III.3.d, III.3.e) gives two targets,
//!   each an exact clause holding its figure; other items are whole. Section
//!   numbers `III.x.y` are Kho's: the extracted text lacks the section
//!   headings, and the goals are the third section of Article 1.
//! - **Parts.** The appendix has three parts whose headings the extracted
//!   Vietnamese lacks; Kho labels them [`Part::A`], [`Part::B`], [`Part::C`].
//!   Each starts where the Roman group numbers restart at I, and they mirror
//!   the Decision's body: A the national key tasks (section IV), B the key
//!   tasks of ministries, sectors and localities (section V), C the tasks of
//!   each named ministry or body (items 2–17 of the implementation section).
//! - **Rows.** A task is a numbered row (TT). Row A.I.3 is numbered once but
//!   printed as two rows, one per sub-item, each with its own deadline and
//!   the second with empty agency cells: it is one task whose agencies cover
//!   both, with two [`Task::sub_items`]. The only row of group C.XVI has an
//!   empty TT cell: [`Task::no`] keeps it empty and its id numbers it 1.
//!   An empty coordinating cell (17 rows) is an empty list.

#![warn(missing_docs)]

pub mod check;
pub mod entries;
pub mod evidence;
pub mod indicators;
pub mod progress;
pub mod ranking;
pub mod seed;
pub mod workflow;

pub use seed::{
    AgencyChange, Comparator, Deadline, Decision, EnSource, Indicator, Level, Part, Seed, SeedError, SubItem, Target,
    Task, Unit, parse, seed,
};
