//! A stand-in for a Halo tenant.
