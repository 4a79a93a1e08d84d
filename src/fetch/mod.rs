//! The fetch stage: what upstream publishes ([`releases`], through the [`index_cache`]), HTTP
//! with retries and mirrors ([`http`]), safe unpacking ([`unpack`]), installs renamed into
//! place under a lock ([`install`]), the project lock file ([`lockfile`]) and the npm registry
//! client for tools published as npm packages ([`npm`]); release signatures ([`verify`], wired
//! into installs by [`signed`]).

pub mod http;
pub mod index_cache;
pub mod install;
pub mod lockfile;
pub mod locking;
pub mod npm;
pub mod progress;
pub mod releases;
pub mod signed;
pub mod unpack;
pub mod verify;
