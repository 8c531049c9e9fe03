// `sqlx::migrate!` embeds migrations/ at compile time; make a new or changed migration
// trigger a rebuild (what `sqlx migrate build-script` generates).
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
