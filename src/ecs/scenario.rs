//! The compare scenarios (SPEC section 5): each rewrites every service's network mode.
