//! Bad machine-code files, made from real ones (the hotspots fixture's
//! release binary cut short, one of its symbols' sizes made to reach past
//! its section; an archive `ar` made of a text file; a text file; an empty
//! one; a directory), give their kind of [`BinaryError`]; the messages are
//! one snapshot.

use std::path::Path;

use fastware_binary::{Binary, BinaryError};
use object::{Object, ObjectSection, ObjectSymbol};

#[test]
fn bad_binaries_are_told_apart_by_kind() {
    let target = fastware_testkit::cargo_build_stable("hotspots", "", &["--release"]);
    let real_path = target.join("release/hotspots");
    let real = std::fs::read(&real_path).expect("binary");
    let tmp = fastware_testkit::temp_dir("binary-errors");
    let mut said = Vec::new();
    let mut check = |name: &str, path: &Path, want: &dyn Fn(&BinaryError) -> bool| {
        let e = Binary::open(path).err().unwrap_or_else(|| panic!("{name}: opened"));
        let kind = e.typed::<BinaryError>().unwrap_or_else(|| panic!("{name}: not a BinaryError: {e}"));
        assert!(want(kind), "{name}: {kind:?}");
        assert_eq!(e.path.as_deref(), path.to_str(), "{name}");
        said.push(fastware_testkit::said(name, &e.message, e.hint.as_deref()));
    };
    let file = |name: &str, data: &[u8]| fastware_testkit::file_in(&tmp, name, data);

    check("directory", &fastware_testkit::fixture("hotspots"), &|k| *k == BinaryError::Directory);
    check("empty", &file("empty", b""), &|k| *k == BinaryError::Empty);
    let manifest = fastware_testkit::fixture("hotspots").join("Cargo.toml");
    check("a text file", &manifest, &|k| *k == BinaryError::NotElf);
    // its ELF header alone: the tables it points to lie past the end
    check("cut to its header", &file("header", &real[..64]), &|k| matches!(k, BinaryError::Damaged { .. }));

    // a symbol whose size reaches past its section: the symbol table entry
    // found with the object crate, its st_size (8 bytes at +16 of an
    // Elf64_Sym) set to the section's size
    let elf = object::File::parse(&*real).expect("elf");
    let symtab = elf.section_by_name(".symtab").expect(".symtab");
    let (symtab_at, _) = symtab.file_range().expect("in the file");
    let sym = elf
        .symbols()
        .find(|s| s.kind() == object::SymbolKind::Text && s.size() > 0 && s.name().is_ok_and(|n| n.contains("heavy")))
        .expect("hotspots::heavy");
    let section = elf.section_by_index(sym.section_index().expect("a section")).expect("section");
    let mut edited = real.clone();
    let at = symtab_at as usize + sym.index().0 * 24 + 16;
    edited[at..at + 8].copy_from_slice(&section.size().to_le_bytes());
    let (symbol, section_name, section_size) = (
        fastware_symbols::demangle(sym.name().expect("name")),
        section.name().expect("name").to_string(),
        section.size(),
    );
    check("symbol past its section", &file("symbol", &edited), &|k| {
        *k == BinaryError::SymbolPastSection {
            symbol: symbol.clone(),
            size: section_size,
            section: section_name.clone(),
            section_size,
        }
    });

    // an archive of a text file, made by ar
    let archive = tmp.join("text.a");
    let made = std::process::Command::new("ar").arg("rc").arg(&archive).arg(&manifest).status();
    if made.is_ok_and(|s| s.success()) {
        check("an archive without objects", &archive, &|k| *k == BinaryError::NoObjects);
    } else {
        eprintln!("SKIPPED the archive case: ar (binutils) is not installed");
    }
    insta::assert_snapshot!(said.join("\n").replace(&tmp.display().to_string(), "TMP"));
    let _ = std::fs::remove_dir_all(&tmp);
}
