//! `kensa init`: writes a commented starting manifest and, next to it, the JSON Schema
//! its modeline points at, so editors validate it offline. Never overwrites a file.

use std::fs::OpenOptions;
use std::io::{ErrorKind, Write};
use std::path::Path;

use kensa_manifest::Lang;
use kensa_manifest::model::{Hosting, InstitutionType};
use kensa_manifest::template::{TemplateOptions, render};

use crate::Exit;
use crate::args::{HostingArg, InitArgs, InstitutionArg};

const SCHEMA_FILE: &str = "manifest.v1.schema.json";

pub fn run(
    args: &InitArgs,
    lang: Lang,
    out: &mut impl Write,
    err: &mut impl Write,
) -> std::io::Result<Exit> {
    let options = TemplateOptions {
        kind: match args.kind {
            InstitutionArg::Hospital => InstitutionType::Hospital,
            InstitutionArg::Clinic => InstitutionType::Clinic,
            InstitutionArg::DentalClinic => InstitutionType::DentalClinic,
            InstitutionArg::Pharmacy => InstitutionType::Pharmacy,
        },
        hosting: match args.hosting {
            HostingArg::OnPremise => Hosting::OnPremise,
            HostingArg::Cloud => Hosting::CloudSaas,
        },
        dedicated_ops_staff: args.dedicated_staff,
        name: args.name.clone(),
        schema_ref: format!("./{SCHEMA_FILE}"),
    };
    let path = &args.path;
    let shown = path.to_string_lossy().replace('\\', "/");
    match write_new(path, &render(&options)) {
        Ok(()) => {}
        Err(e) if e.kind() == ErrorKind::AlreadyExists => {
            match lang {
                Lang::Ja => writeln!(
                    err,
                    "✗ {shown} は既に存在します。上書きしません。別のパスを指定してください"
                )?,
                Lang::En => writeln!(
                    err,
                    "✗ {shown} already exists; kensa init never overwrites a file. Give another path"
                )?,
            }
            return Ok(Exit::Error);
        }
        Err(e) => {
            match lang {
                Lang::Ja => writeln!(err, "✗ {shown} を書き込めません: {e}")?,
                Lang::En => writeln!(err, "✗ cannot write {shown}: {e}")?,
            }
            return Ok(Exit::Error);
        }
    }
    let schema_path = path.parent().unwrap_or(Path::new("")).join(SCHEMA_FILE);
    let schema_written = write_new(
        &schema_path,
        &kensa_manifest::schema::manifest_schema_text(),
    )
    .is_ok();
    match lang {
        Lang::Ja => {
            writeln!(
                out,
                "✓ {shown} を作成しました。値を実態に合わせて書き換え、`kensa validate {shown}` で確認してください"
            )?;
            if schema_written {
                writeln!(
                    out,
                    "  エディタ用のスキーマ {SCHEMA_FILE} も隣に作成しました"
                )?;
            }
        }
        Lang::En => {
            writeln!(
                out,
                "✓ wrote {shown}: replace the placeholders, then run `kensa validate {shown}`"
            )?;
            if schema_written {
                writeln!(
                    out,
                    "  also wrote the schema {SCHEMA_FILE} next to it, for editors"
                )?;
            }
        }
    }
    Ok(Exit::Success)
}

fn write_new(path: &Path, text: &str) -> std::io::Result<()> {
    let mut file = OpenOptions::new().write(true).create_new(true).open(path)?;
    file.write_all(text.as_bytes())
}
