//! Table Schema validation (being written).
