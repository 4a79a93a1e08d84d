use crate::support::sandbox::*;
