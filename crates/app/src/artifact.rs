//! The real artifact, as `asm`, `inline`, `size`, `diff`, `profile` and
//! `heap` read it: which file (the artifact of a normal cargo build, or
//! `--file`), reading it, saying which profile setting to change when it
//! lacks symbols or line tables — and which function (`PATTERN [INDEX]`).

use std::path::PathBuf;

use clap::Args;
use fastware_binary::Binary;
use fastware_cargo::artifact::{ArtifactOptions, Which};
use fastware_cargo::project::Project;

use fastware_binary::Pattern;

use crate::args::SelectionArgs;
use crate::{Ctx, Error};

/// `--file`, or the cargo target whose artifact to read.
#[derive(Args, Debug, Clone, Default)]
pub struct ArtifactArgs {
    /// Read this file instead of building: an ELF executable, shared object, object file or rlib
    #[arg(long, value_name = "PATH", help_heading = "Which file",
          conflicts_with_all = ["manifest_path", "packages", "bin", "lib", "example", "bench", "test", "release", "profile", "features", "all_features", "no_default_features", "target", "debuginfo"])]
    pub file: Option<PathBuf>,
    #[command(flatten, next_help_heading = "Which file")]
    pub selection: SelectionArgs,
    /// The binary named NAME [default: the package's binary, else its library]
    #[arg(long, value_name = "NAME", help_heading = "Which file", group = "which")]
    pub bin: Option<String>,
    /// The library (its shared object, or its rlib of object files)
    #[arg(long, help_heading = "Which file", group = "which")]
    pub lib: bool,
    /// The example named NAME
    #[arg(long, value_name = "NAME", help_heading = "Which file", group = "which")]
    pub example: Option<String>,
    /// The benchmark named NAME (built with the bench profile, as `cargo bench` does);
    /// `profile` and `heap` run it with `--bench [FILTER]`
    #[arg(long, value_names = ["NAME", "FILTER"], num_args = 1..=2, help_heading = "Which file", group = "which")]
    pub bench: Option<Vec<String>>,
    /// The integration test named NAME
    #[arg(long, value_name = "NAME", help_heading = "Which file", group = "which")]
    pub test: Option<String>,
    /// Build apart, in <target-dir>/fastware/debuginfo, with symbols and line tables
    /// (debug = "line-tables-only", strip = false) set through --config
    #[arg(long, help_heading = "Which file")]
    pub debuginfo: bool,
}

/// A file read, and where it came from.
#[derive(Debug)]
pub struct Loaded {
    pub binary: Binary,
    /// "bin inliner (release profile)" or the file's path.
    pub origin: String,
    /// The profile it was built with, when cargo built it.
    pub profile: Option<String>,
    pub project: Option<Project>,
}

impl ArtifactArgs {
    /// The cargo project, for saved builds.
    pub fn project(&self, ctx: &Ctx) -> Result<Project, Error> {
        self.selection.project(ctx)
    }

    fn which(&self) -> Which {
        if let Some(n) = &self.bin {
            Which::Bin(n.clone())
        } else if let Some(n) = &self.example {
            Which::Example(n.clone())
        } else if let Some(n) = self.bench.as_ref().and_then(|b| b.first()) {
            Which::Bench(n.clone())
        } else if let Some(n) = &self.test {
            Which::Test(n.clone())
        } else if self.lib {
            Which::Lib
        } else {
            Which::Default
        }
    }

    /// Reads `--file`, or builds the selected target with cargo and reads its file.
    pub fn load(&self, ctx: &Ctx) -> Result<Loaded, Error> {
        if self.bench.as_ref().is_some_and(|b| b.len() > 1) {
            return Err(crate::error::argument(
                "--bench NAME FILTER: a FILTER is for `profile` and `heap`, which run the benchmark",
            )
            .with_hint("give the benchmark's NAME alone"));
        }
        self.load_with(ctx, false)
    }

    /// [`ArtifactArgs::load`], built apart with frame pointers when asked.
    pub fn load_with(&self, ctx: &Ctx, frame_pointers: bool) -> Result<Loaded, Error> {
        if let Some(f) = &self.file {
            let binary = Binary::open(&ctx.path(f))?;
            return Ok(Loaded { binary, origin: f.display().to_string(), profile: None, project: None });
        }
        let project = self.project(ctx)?;
        let opts = ArtifactOptions {
            cargo: ctx.tools.cargo(),
            manifest_path: self.selection.manifest_path.clone(),
            selection: self.selection.selection(),
            which: self.which(),
            profile: self.selection.profile(),
            debuginfo: self.debuginfo,
            frame_pointers,
            target_dir: None,
        };
        let built = fastware_cargo::artifact::build_artifact(&project, &opts)?;
        let binary = Binary::open(&built.path)?;
        let mut origin = format!("{} ({} profile)", built.target, built.profile);
        if let Some(dir) = &built.separate {
            let what = match (frame_pointers, self.debuginfo) {
                (true, true) => "frame pointers, debug = \"line-tables-only\" and strip = false",
                (true, false) => "frame pointers (-Cforce-frame-pointers=yes)",
                _ => "debug = \"line-tables-only\" and strip = false",
            };
            ctx.note(&format!(
                "a separate build in {} with {what}; its code can differ from your profile's",
                dir.display()
            ));
            origin.push_str(", separate build");
        }
        Ok(Loaded { binary, origin, profile: Some(built.profile), project: Some(project) })
    }
}

impl Loaded {
    /// Fails with the setting to change when the file has no symbol table.
    pub fn need_symbols(&self) -> Result<(), Error> {
        if self.binary.has_symtab && !self.binary.functions.is_empty() {
            return Ok(());
        }
        let what = if self.binary.has_symtab { "no function symbols" } else { "no symbol table (it is stripped)" };
        let hint = match &self.profile {
            Some(p) => format!(
                "set `strip = false` (or `strip = \"debuginfo\"`) in [profile.{p}], or add --debuginfo for a separate build with symbols"
            ),
            None => "read an unstripped build of it: `strip = false` in its cargo profile".to_string(),
        };
        Err(crate::error::unusable(format!("{} has {what}", self.binary.path.display())).with_hint(hint))
    }

    /// Fails with the setting to change when the file has no line tables.
    pub fn need_lines(&self) -> Result<(), Error> {
        if self.binary.kind.is_relocatable() {
            return Err(crate::error::unusable(format!(
                "--source reads the debug info of linked files; {} is an {}",
                self.binary.path.display(),
                self.binary.kind.name()
            ))
            .with_hint("read the executable or shared library instead"));
        }
        if self.binary.has_line_info() {
            return Ok(());
        }
        Err(crate::error::unusable(format!("{} has no line tables (.debug_line)", self.binary.path.display()))
            .with_hint(self.line_tables_hint()))
    }

    /// What to set for line tables.
    pub fn line_tables_hint(&self) -> String {
        match &self.profile {
            Some(p) => format!(
                "set `debug = \"line-tables-only\"` in [profile.{p}] (and `strip = false`), or add --debuginfo for a separate build with line tables"
            ),
            None => "build it with `debug = \"line-tables-only\"` in its cargo profile".to_string(),
        }
    }
}

/// The `PATTERN` argument as a pattern.
pub fn pattern(text: &str, regex: bool) -> Result<Pattern, Error> {
    Pattern::new(text, regex)
}

/// `PATTERN [INDEX] [--regex]`: which function `asm` and `inline` show.
#[derive(Args, Debug, Clone)]
pub struct FunctionArgs {
    /// Part of the function's demangled name (or a regex with --regex)
    #[arg(value_name = "PATTERN")]
    pub pattern: String,
    /// Which of several matching functions (as listed)
    #[arg(value_name = "INDEX")]
    pub index: Option<usize>,
    /// PATTERN is a regular expression
    #[arg(long)]
    pub regex: bool,
}

impl FunctionArgs {
    pub fn compile(&self) -> Result<Pattern, Error> {
        pattern(&self.pattern, self.regex)
    }

    /// The function to show: see [`Binary::choose`].
    pub fn choose<'a, T>(
        &self,
        b: &Binary,
        items: &'a [T],
        name: impl Fn(&T) -> &str,
        pattern: &Pattern,
    ) -> Result<Option<&'a T>, Error> {
        b.choose(items, self.index, name, pattern)
    }
}
