//! Integration tests of ccfail and of the programs its tests run.

mod standin;
