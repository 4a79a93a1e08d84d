//! Command-line argument types shared by commands: a tool named on the command line is parsed
//! by clap from the registry (names and aliases), so help, errors and completions list every
//! registered tool.

use clap::builder::PossibleValue;

use crate::tools::Tool;

impl clap::ValueEnum for Tool {
    fn value_variants<'a>() -> &'a [Self] {
        Tool::ALL
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        Some(PossibleValue::new(self.name()).aliases(self.def().aliases.iter().copied()))
    }

    fn from_str(input: &str, _ignore_case: bool) -> Result<Self, String> {
        Tool::from_name(input).ok_or_else(|| {
            format!(
                "unknown tool `{input}`; envm manages {}",
                crate::tools::names_sentence()
            )
        })
    }
}
