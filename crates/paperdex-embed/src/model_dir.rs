//! Finding the model's files: [`default_model_dir`] and the folder layouts
//! [`MiniLmEmbedder::load`](crate::MiniLmEmbedder::load) accepts.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::EmbedError;

/// The environment variable naming the model directory.
pub const MODEL_ENV: &str = "PAPERDEX_MODEL";

/// The model directory's path relative to the repository (or install) root,
/// where `scripts/setup-model.sh` puts it.
pub const MODEL_SUBDIR: &str = "models/all-MiniLM-L6-v2";

/// The sequence length sentence-transformers uses for all-MiniLM-L6-v2 when
/// the folder has no `sentence_bert_config.json`.
pub(crate) const DEFAULT_MAX_SEQ_LEN: usize = 256;

/// Where the all-MiniLM-L6-v2 model is expected, in this order:
///
/// 1. `$PAPERDEX_MODEL`, if set and not empty, taken as is;
/// 2. the first existing `models/all-MiniLM-L6-v2` in the running executable's
///    directory or one of its ancestors (a binary under `target/release/` of
///    the repository, or an install laid out as `bin/paperdex` beside
///    `models/`);
/// 3. the same, walking up from the current directory;
/// 4. otherwise `models/all-MiniLM-L6-v2` in the workspace this crate was
///    built in, where `scripts/setup-model.sh` installs it by default, even if
///    it does not exist (so the load error names the path to set up).
pub fn default_model_dir() -> PathBuf {
    let from_exe = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(Path::to_path_buf));
    let from_cwd = std::env::current_dir().ok();
    let starts: Vec<PathBuf> = from_exe.into_iter().chain(from_cwd).collect();
    choose_model_dir(std::env::var_os(MODEL_ENV), &starts)
}

fn choose_model_dir(env: Option<std::ffi::OsString>, starts: &[PathBuf]) -> PathBuf {
    if let Some(dir) = env.filter(|v| !v.is_empty()) {
        return PathBuf::from(dir);
    }
    for start in starts {
        for dir in start.ancestors() {
            let candidate = dir.join(MODEL_SUBDIR);
            if candidate.is_dir() {
                return candidate;
            }
        }
    }
    workspace_model_dir()
}

/// `models/all-MiniLM-L6-v2` in the workspace this crate was compiled in.
fn workspace_model_dir() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    // crates/paperdex-embed -> workspace root
    let root = manifest.parent().and_then(Path::parent).unwrap_or(manifest);
    root.join(MODEL_SUBDIR)
}

/// The files of one sentence-transformers BERT model with mean pooling.
#[derive(Debug)]
pub(crate) struct ModelFiles {
    /// The folder holding the transformer (weights, config, tokenizer).
    pub transformer_dir: PathBuf,
    pub weights: PathBuf,
    pub config: PathBuf,
    pub tokenizer: PathBuf,
    pub max_seq_len: usize,
    pub do_lower_case: bool,
}

#[derive(Deserialize)]
struct Module {
    #[serde(default)]
    path: String,
    #[serde(rename = "type")]
    kind: String,
}

#[derive(Deserialize)]
struct SentenceBertConfig {
    max_seq_length: Option<usize>,
    #[serde(default)]
    do_lower_case: bool,
}

#[derive(Deserialize)]
struct PoolingConfig {
    #[serde(default)]
    pooling_mode_cls_token: bool,
    #[serde(default)]
    pooling_mode_mean_tokens: bool,
    #[serde(default)]
    pooling_mode_max_tokens: bool,
    #[serde(default)]
    pooling_mode_mean_sqrt_len_tokens: bool,
    #[serde(default)]
    pooling_mode_weightedmean_tokens: bool,
    #[serde(default)]
    pooling_mode_lasttoken: bool,
}

impl ModelFiles {
    /// Resolves the files of the model in `dir`, which may be
    ///
    /// - a flat folder with `model.safetensors`, `config.json` and
    ///   `tokenizer.json` (what `scripts/setup-model.sh` writes; also the
    ///   hub's `sentence-transformers/all-MiniLM-L6-v2` repository);
    /// - a sentence-transformers folder whose `modules.json` puts the
    ///   `Transformer` module in a subfolder (e.g. `0_Transformer/`), with its
    ///   `Pooling` module's `config.json` asking for mean pooling;
    /// - a hub cache folder (`models--org--name/`) whose `snapshots/` has the
    ///   revision that `refs/main` names, or a single revision.
    pub fn resolve(dir: &Path) -> Result<Self, EmbedError> {
        if !dir.is_dir() {
            return Err(EmbedError::MissingModelDir {
                dir: dir.to_path_buf(),
            });
        }
        let dir = hub_snapshot(dir).unwrap_or_else(|| dir.to_path_buf());

        let modules: Option<Vec<Module>> = read_json_opt(&dir.join("modules.json"))?;
        let mut transformer_dir = dir.clone();
        if let Some(modules) = &modules {
            if let Some(m) = modules
                .iter()
                .find(|m| m.kind.ends_with("models.Transformer"))
            {
                transformer_dir = dir.join(&m.path);
            }
            if let Some(m) = modules.iter().find(|m| m.kind.ends_with("models.Pooling")) {
                check_pooling(&dir, &dir.join(&m.path).join("config.json"))?;
            }
            let unsupported: Vec<&str> = modules
                .iter()
                .map(|m| m.kind.as_str())
                .filter(|k| {
                    !["models.Transformer", "models.Pooling", "models.Normalize"]
                        .iter()
                        .any(|ok| k.ends_with(ok))
                })
                .collect();
            if !unsupported.is_empty() {
                return Err(EmbedError::Unsupported {
                    dir,
                    message: format!("modules.json has modules {unsupported:?}"),
                });
            }
        }

        let need = |file: &str| {
            let path = transformer_dir.join(file);
            if path.is_file() {
                Ok(path)
            } else {
                Err(EmbedError::MissingFile {
                    dir: transformer_dir.clone(),
                    file: file.to_string(),
                })
            }
        };
        let config = need("config.json")?;
        let tokenizer = need("tokenizer.json")?;
        let weights = need("model.safetensors")?;

        let st: Option<SentenceBertConfig> =
            read_json_opt(&transformer_dir.join("sentence_bert_config.json"))?;
        let (max_seq_len, do_lower_case) = match st {
            Some(c) => (
                c.max_seq_length.unwrap_or(DEFAULT_MAX_SEQ_LEN),
                c.do_lower_case,
            ),
            None => (DEFAULT_MAX_SEQ_LEN, false),
        };
        Ok(ModelFiles {
            transformer_dir,
            weights,
            config,
            tokenizer,
            max_seq_len,
            do_lower_case,
        })
    }
}

fn check_pooling(dir: &Path, path: &Path) -> Result<(), EmbedError> {
    let Some(p) = read_json_opt::<PoolingConfig>(path)? else {
        return Err(EmbedError::MissingFile {
            dir: dir.to_path_buf(),
            file: path.strip_prefix(dir).unwrap_or(path).display().to_string(),
        });
    };
    let others = p.pooling_mode_cls_token
        || p.pooling_mode_max_tokens
        || p.pooling_mode_mean_sqrt_len_tokens
        || p.pooling_mode_weightedmean_tokens
        || p.pooling_mode_lasttoken;
    if !p.pooling_mode_mean_tokens || others {
        return Err(EmbedError::Unsupported {
            dir: dir.to_path_buf(),
            message: format!(
                "{} asks for pooling other than mean tokens only",
                path.display()
            ),
        });
    }
    Ok(())
}

/// In a hub cache folder, the snapshot to use.
fn hub_snapshot(dir: &Path) -> Option<PathBuf> {
    if dir.join("config.json").exists() || dir.join("modules.json").exists() {
        return None;
    }
    let snapshots = dir.join("snapshots");
    if let Ok(rev) = std::fs::read_to_string(dir.join("refs").join("main")) {
        let snap = snapshots.join(rev.trim());
        if snap.is_dir() {
            return Some(snap);
        }
    }
    let mut revs: Vec<PathBuf> = std::fs::read_dir(&snapshots)
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    if revs.len() == 1 {
        revs.pop()
    } else {
        None
    }
}

pub(crate) fn read_file(path: &Path) -> Result<Vec<u8>, EmbedError> {
    std::fs::read(path).map_err(|source| EmbedError::Io {
        path: path.to_path_buf(),
        source,
    })
}

pub(crate) fn parse_json<T: serde::de::DeserializeOwned>(
    path: &Path,
    bytes: &[u8],
) -> Result<T, EmbedError> {
    serde_json::from_slice(bytes).map_err(|e| EmbedError::InvalidConfig {
        path: path.to_path_buf(),
        message: e.to_string(),
    })
}

fn read_json_opt<T: serde::de::DeserializeOwned>(path: &Path) -> Result<Option<T>, EmbedError> {
    if !path.is_file() {
        return Ok(None);
    }
    parse_json(path, &read_file(path)?).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, file: &str, text: &str) {
        let path = dir.join(file);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    fn temp_dir(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("paperdex-embed-test-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn missing_dir_and_files_are_named() {
        let dir = temp_dir("missing");
        let gone = dir.join("nope");
        let err = ModelFiles::resolve(&gone).unwrap_err().to_string();
        assert!(
            err.contains("nope") && err.contains("does not exist"),
            "{err}"
        );
        assert!(err.contains("scripts/setup-model.sh"), "{err}");

        write(&dir, "config.json", "{}");
        let err = ModelFiles::resolve(&dir).unwrap_err().to_string();
        assert!(err.contains("has no tokenizer.json"), "{err}");
        assert!(err.contains("run scripts/setup-model.sh"), "{err}");

        write(&dir, "tokenizer.json", "{}");
        let err = ModelFiles::resolve(&dir).unwrap_err().to_string();
        assert!(err.contains("has no model.safetensors"), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn sentence_transformers_layout_with_subfolder() {
        let dir = temp_dir("layout");
        write(
            &dir,
            "modules.json",
            r#"[{"idx":0,"name":"0","path":"0_Transformer","type":"sentence_transformers.models.Transformer"},
                {"idx":1,"name":"1","path":"1_Pooling","type":"sentence_transformers.models.Pooling"},
                {"idx":2,"name":"2","path":"2_Normalize","type":"sentence_transformers.models.Normalize"}]"#,
        );
        write(
            &dir,
            "1_Pooling/config.json",
            r#"{"word_embedding_dimension":384,"pooling_mode_mean_tokens":true}"#,
        );
        for f in ["config.json", "tokenizer.json", "model.safetensors"] {
            write(&dir, &format!("0_Transformer/{f}"), "{}");
        }
        write(
            &dir,
            "0_Transformer/sentence_bert_config.json",
            r#"{"max_seq_length":128,"do_lower_case":true}"#,
        );
        let files = ModelFiles::resolve(&dir).unwrap();
        assert_eq!(files.transformer_dir, dir.join("0_Transformer"));
        assert_eq!(files.max_seq_len, 128);
        assert!(files.do_lower_case);

        write(
            &dir,
            "1_Pooling/config.json",
            r#"{"pooling_mode_cls_token":true,"pooling_mode_mean_tokens":false}"#,
        );
        let err = ModelFiles::resolve(&dir).unwrap_err().to_string();
        assert!(err.contains("pooling"), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn hub_cache_layout() {
        let dir = temp_dir("hub");
        write(&dir, "refs/main", "abc123\n");
        for f in ["config.json", "tokenizer.json", "model.safetensors"] {
            write(&dir, &format!("snapshots/abc123/{f}"), "{}");
        }
        write(&dir, "snapshots/old/config.json", "{}");
        let files = ModelFiles::resolve(&dir).unwrap();
        assert_eq!(files.transformer_dir, dir.join("snapshots/abc123"));
        assert_eq!(files.max_seq_len, DEFAULT_MAX_SEQ_LEN);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn default_dir_order() {
        let dir = temp_dir("default");
        let nested = dir.join("target/release");
        std::fs::create_dir_all(&nested).unwrap();
        std::fs::create_dir_all(dir.join(MODEL_SUBDIR)).unwrap();
        let env = Some(std::ffi::OsString::from("/some/where"));
        assert_eq!(
            choose_model_dir(env, std::slice::from_ref(&nested)),
            PathBuf::from("/some/where")
        );
        let empty = Some(std::ffi::OsString::new());
        assert_eq!(
            choose_model_dir(empty, std::slice::from_ref(&nested)),
            dir.join(MODEL_SUBDIR)
        );
        let fallback = choose_model_dir(None, &[PathBuf::from("/")]);
        assert_eq!(fallback, workspace_model_dir());
        assert!(fallback.ends_with(MODEL_SUBDIR));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
