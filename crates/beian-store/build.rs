// `sqlx::migrate!` embeds the migration files at compile time, but cargo does not know
// that a new file in the directories changes the crate: tell it.
fn main() {
    println!("cargo:rerun-if-changed=migrations/sqlite");
    println!("cargo:rerun-if-changed=migrations/postgres");
}
