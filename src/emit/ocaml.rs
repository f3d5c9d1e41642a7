//! The OCaml emitter.

use super::plan::Plan;
use super::{EmitError, EmitOptions};

pub fn emit(_plan: &Plan<'_>, _options: &EmitOptions) -> Result<String, EmitError> {
    Err(EmitError::new("OCaml output is not written yet"))
}
