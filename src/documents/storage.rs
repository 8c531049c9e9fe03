//! Uploaded files on disk: in the upload directory (outside the site root, never served by the
//! static file service), each under a random name that says nothing of the patient or the
//! file, written whole or not at all.

use crate::error::{AppError, AppResult};
use rand::RngCore;
use std::path::{Path, PathBuf};

/// Where documents are kept (`Config::upload_dir()`).
#[derive(Debug, Clone)]
pub struct DocumentStore {
    dir: PathBuf,
}

impl DocumentStore {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    /// Creates the directory, readable by the server's user only.
    pub async fn prepare(&self) -> std::io::Result<()> {
        tokio::fs::create_dir_all(&self.dir).await?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            tokio::fs::set_permissions(&self.dir, std::fs::Permissions::from_mode(0o700)).await?;
        }
        Ok(())
    }

    /// Writes `bytes` under a new random key, returned. A temporary name first, then a rename:
    /// a crash midway leaves no half file under a key.
    pub async fn put(&self, bytes: &[u8]) -> AppResult<String> {
        let key = new_key();
        let path = self.path_of(&key)?;
        let partial = path.with_extension("partial");
        let written = async {
            tokio::fs::create_dir_all(&self.dir).await?;
            tokio::fs::write(&partial, bytes).await?;
            tokio::fs::rename(&partial, &path).await
        }
        .await;
        if let Err(e) = written {
            let _ = tokio::fs::remove_file(&partial).await;
            return Err(AppError::Unavailable(anyhow::anyhow!("storing an upload in {}: {e}", self.dir.display())));
        }
        Ok(key)
    }

    pub async fn get(&self, key: &str) -> AppResult<Vec<u8>> {
        let path = self.path_of(key)?;
        tokio::fs::read(&path).await.map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => AppError::Internal(anyhow::anyhow!("document file {key} is missing from the upload directory")),
            _ => AppError::Unavailable(anyhow::anyhow!("reading document file {key}: {e}")),
        })
    }

    /// Removes the files of `keys`; one already gone is no error.
    pub async fn remove(&self, keys: &[String]) {
        for key in keys {
            if let Ok(path) = self.path_of(key) {
                if let Err(e) = tokio::fs::remove_file(&path).await {
                    if e.kind() != std::io::ErrorKind::NotFound {
                        tracing::warn!(key = %key, error = %e, "could not remove a document file");
                    }
                }
            }
        }
    }

    /// The file of `key`, which must be one this store made: a key from anywhere else (a
    /// tampered row) never names a path outside the directory.
    fn path_of(&self, key: &str) -> AppResult<PathBuf> {
        if !is_key(key) {
            return Err(AppError::Internal(anyhow::anyhow!("not a document key: {key:?}")));
        }
        Ok(Path::new(&self.dir).join(key))
    }
}

/// 128 random bits, as 32 lowercase hex digits.
fn new_key() -> String {
    let mut bytes = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

fn is_key(key: &str) -> bool {
    key.len() == 32 && key.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_random_hex_and_nothing_else_names_a_file() {
        let (a, b) = (new_key(), new_key());
        assert!(is_key(&a) && is_key(&b));
        assert_ne!(a, b);
        let store = DocumentStore::new("/srv/uploads");
        assert!(store.path_of("../../etc/passwd").is_err());
        assert!(store.path_of("0123456789abcdef0123456789abcdef/..").is_err());
        assert!(store.path_of("0123456789ABCDEF0123456789ABCDEF").is_err());
        assert_eq!(store.path_of(&a).unwrap(), Path::new("/srv/uploads").join(&a));
    }
}
