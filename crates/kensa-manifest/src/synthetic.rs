//! Synthetic manifests of any size, for benchmarks (`cargo bench`).
//!
//! Each has 80% accounts (with their holders) and 20% assets, the shape of a hospital's
//! directory and asset-ledger exports.

use std::fmt::Write as _;

/// A valid manifest with `entities` accounts and assets (80% / 20%), plus one holder per
/// account.
#[must_use]
pub fn manifest(entities: usize) -> String {
    let accounts = entities * 8 / 10;
    let assets = entities - accounts;
    let mut s = String::from(
        "apiVersion: kensa/v1\ninstitution:\n  id: bench-hospital\n  name: ベンチ病院\n  type: hospital\n  beds: 800\n  online_eligibility: true\n  dedicated_ops_staff: true\nroles:\n  - { id: nurse, name: 看護師 }\nsystems:\n  - { id: ehr, name: 電子カルテ, category: ehr, hosting: on_premise, handles_medical_info: true, vendor: v1 }\nvendors:\n  - { id: v1, name: ベンダー }\nnetworks:\n  - { id: lan, kind: lan }\npeople:\n",
    );
    for i in 0..accounts {
        let _ = writeln!(s, "  - {{ id: p{i}, name: 職員 {i}, job_type: nurse }}");
    }
    s.push_str("assets:\n");
    for i in 0..assets {
        let _ = write!(
            s,
            "  - id: a{i}\n    name: 端末{i}\n    kind: terminal_pc\n    location: 病棟\n    os: Windows 11\n    os_version: 23H2\n    vendor: v1\n    systems: [ehr]\n    networks: [lan]\n    patch: {{ status: up_to_date, applied_on: 2026-10-01 }}\n"
        );
    }
    s.push_str("accounts:\n");
    for i in 0..accounts {
        let _ = writeln!(
            s,
            "  - {{ id: u{i}, holder: p{i}, systems: [ehr], role: nurse, last_used_on: 2026-11-01 }}"
        );
    }
    s
}

/// Hostile inputs too large or too odd to commit (`tests/hostile/cases.yaml` names them
/// with `generate:`), written under `dir`. Returns the path to give kensa, or `None` for a
/// name this module does not make.
///
/// # Errors
/// When the files cannot be written.
pub fn hostile(name: &str, dir: &std::path::Path) -> std::io::Result<Option<std::path::PathBuf>> {
    use std::fs;
    const MIB: u64 = 1024 * 1024;
    let head = "apiVersion: kensa/v1\ninstitution:\n  id: sakura\n  name: さくら内科\n  type: clinic\n  online_eligibility: false\n  dedicated_ops_staff: false\n";
    let sparse = |path: &std::path::Path, len: u64| -> std::io::Result<()> {
        fs::File::create(path)?.set_len(len)
    };
    fs::create_dir_all(dir)?;
    let path = match name {
        // A file of hundreds of megabytes: refused after reading one byte past the limit.
        "huge-file" => {
            let p = dir.join("huge.yaml");
            sparse(&p, 300 * MIB)?;
            p
        }
        // A folder whose files are each under the file limit, together over the manifest's.
        "huge-folder" => {
            let p = dir.join("huge-folder");
            fs::create_dir_all(&p)?;
            for i in 0..5 {
                sparse(&p.join(format!("part-{i}.yaml")), 60 * MIB)?;
            }
            p
        }
        // 60 MB of tiny values: under the size limit, over the value budget.
        "many-values" => {
            let p = dir.join("many-values.yaml");
            let mut text = String::with_capacity(60_000_100);
            text.push_str(head);
            text.push_str("notes:\n");
            while text.len() < 60_000_000 {
                text.push_str("- a\n");
            }
            fs::write(&p, text)?;
            p
        }
        // A 10 MB line (minified or hostile): located without printing the line.
        "long-line" => {
            let p = dir.join("long-line.yaml");
            let text = format!(
                "apiVersion: kensa/v1\ninstitution: {{ id: sakura, name: \"{}\", type: clinc, online_eligibility: false, dedicated_ops_staff: false }}\n",
                "あ".repeat(3_500_000)
            );
            fs::write(&p, text)?;
            p
        }
        // More files than a manifest folder may hold.
        "many-files" => {
            let p = dir.join("many-files");
            fs::create_dir_all(&p)?;
            for i in 0..=10_000 {
                fs::write(p.join(format!("f{i:05}.yaml")), "x: 1\n")?;
            }
            p
        }
        // A folder whose YAML file is a link to a file outside it.
        "symlink-outside" => link_folder(
            dir,
            "symlink-outside",
            head,
            &[("evil.yaml", "../secret.yaml")],
        )?,
        // A link to the folder itself.
        "symlink-loop" => link_folder(dir, "symlink-loop", head, &[("loop", ".")])?,
        // Two links that lead to each other.
        "symlink-cycle" => link_folder(
            dir,
            "symlink-cycle",
            head,
            &[("a.yaml", "b.yaml"), ("b.yaml", "a.yaml")],
        )?,
        _ => return Ok(None),
    };
    Ok(Some(path))
}

/// A manifest folder `name` holding a valid `main.yaml` and the given symbolic links
/// (`(link, target)`); on systems without symbolic links, an error.
fn link_folder(
    dir: &std::path::Path,
    name: &str,
    head: &str,
    links: &[(&str, &str)],
) -> std::io::Result<std::path::PathBuf> {
    let folder = dir.join(name);
    std::fs::create_dir_all(&folder)?;
    std::fs::write(folder.join("main.yaml"), head)?;
    std::fs::write(dir.join("secret.yaml"), "password: hunter2\n")?;
    for (link, target) in links {
        #[cfg(unix)]
        std::os::unix::fs::symlink(target, folder.join(link))?;
        #[cfg(not(unix))]
        return Err(std::io::Error::other(format!(
            "symbolic links are not supported here ({link} → {target})"
        )));
    }
    Ok(folder)
}
