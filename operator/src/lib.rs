//! CIRA's operator library.
