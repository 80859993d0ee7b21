//! Client for the HaloPSA / HaloITSM REST API.
