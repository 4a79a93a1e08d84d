//! envm: a language-environment manager. Data flows one way through these modules:
//! pin ([`pins`]) → spec ([`spec`]) → resolve ([`resolve`]) → fetch → verify → unpack → link
//! → exec. [`cli`] is the `envm …` command line over them.

pub mod cli;
pub mod error;
pub mod installed;
pub mod layout;
pub mod pins;
pub mod resolve;
pub mod sandbox;
pub mod spec;
pub mod tool;
pub mod version;
