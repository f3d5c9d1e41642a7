//! The OCaml property-test harness (see `emit::harness`).

use crate::emit::EmitError;
use crate::emit::harness::{Harness, HarnessOptions, Models};
use crate::emit::plan::Plan;

pub(crate) fn emit(_plan: &Plan<'_>, _models: &Models<'_>, _options: &HarnessOptions) -> Result<Harness, EmitError> {
    Err(EmitError::new("the OCaml harness is not written yet"))
}
