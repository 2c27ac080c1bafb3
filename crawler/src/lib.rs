//! CIRA's crawler library.
