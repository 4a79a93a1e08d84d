//! envm: a language-environment manager. Data flows one way, one folder per stage:
//! [`project`] (envm.toml, pin files, `[env]`) → [`resolve`] (the installed version a pin
//! selects; versions and specs are [`version`]) → [`fetch`] (upstream releases, HTTP, verify,
//! unpack, atomic install, envm.lock) → [`link`] (the shims folder and its index) → [`run`]
//! (the shim, `exec`, shell activation) → [`sandbox`]. [`tools`] describes each tool; [`cli`]
//! is the `envm …` command line over the stages. Beneath every stage: [`diag`] (how errors
//! are shown), [`digest`], [`files`] (atomic writes), [`host`] and [`layout`].

pub mod args;
pub mod binaries;
pub mod cli;
pub mod clock;
pub mod diag;
pub mod digest;
pub mod fetch;
pub mod files;
pub mod host;
pub mod layout;
pub mod link;
pub mod project;
pub mod resolve;
pub mod run;
pub mod sandbox;
pub mod tools;
pub mod version;
