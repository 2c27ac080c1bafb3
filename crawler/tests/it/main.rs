//! The crawler's integration tests, in one test binary: each module was a
//! binary of its own, and each binary linked the whole crate again.

mod common;
#[path = "../fixtures/support.rs"]
mod support;

mod cluster_run;
mod crawl_checkpoint;
mod crawl_hostile;
mod crawl_resume;
mod crawl_site;
mod crawl_stop;
mod crawl_technologies;
mod crawl_web;
mod extract_contact;
mod extract_legal;
mod extract_parties;
mod extract_people;
mod extract_schema;
mod extract_social;
mod extract_technologies;
mod html5lib_tokenizer;
mod html_differential;
mod page_builder;
mod report_determinism;
