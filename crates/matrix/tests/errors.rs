//! Bad plans, `--cells` files and results, made from the plan and the
//! `--cell 1` results an earlier fastware wrote for real
//! (`tests/fixtures/matrix-earlier/make.sh`), edited through a DOM or cut,
//! give their kind of [`MatrixError`] with the file they concern; the
//! messages are one snapshot.

use std::path::PathBuf;

use fastware_matrix::plan::{listed, Plan};
use fastware_matrix::store::merge;
use fastware_matrix::MatrixError;
use serde_json::Value;

#[test]
fn bad_plans_cells_and_results_are_told_apart_by_kind() {
    let dir = fastware_testkit::fixture("matrix-earlier");
    let tmp = fastware_testkit::temp_dir("matrix-errors");
    let said = std::cell::RefCell::new(Vec::new());
    let check = |name: &str, e: fastware_report::Error, want: MatrixError, file: Option<&PathBuf>| {
        assert_eq!(e.typed::<MatrixError>(), Some(&want), "{name}: {e}");
        assert_eq!(e.path.as_deref(), file.and_then(|f| f.to_str()), "{name}");
        said.borrow_mut().push(fastware_testkit::said(name, &e.message, e.hint.as_deref()));
    };
    let plan = Plan::read(&dir.join("plan.json")).expect("the real plan reads");
    let plan_json: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("plan.json")).expect("plan")).expect("json");
    let cells = std::fs::read_to_string(dir.join("cell-1.jsonl")).expect("results");
    let lines: Vec<&str> = cells.lines().collect();
    let first: Value = serde_json::from_str(lines[0]).expect("a result");

    // the plan edited after it was written
    let mut edited = plan_json.clone();
    edited["reps"] = (plan.reps + 1).into();
    let p = fastware_testkit::file_in(&tmp, "plan.json", edited.to_string().as_bytes());
    check("plan edited", Plan::read(&p).expect_err("edited"), MatrixError::PlanChanged, Some(&p));

    // results: a line that is not one (not the last: a torn last line is skipped), none at all
    let p = fastware_testkit::file_in(&tmp, "torn.jsonl", format!("{}\n{}", &lines[0][..40], lines[1]).as_bytes());
    let e = merge(&plan, std::slice::from_ref(&p)).expect_err("torn");
    assert!(matches!(e.typed::<MatrixError>(), Some(MatrixError::NotAResult { line: 1, .. })), "{e}");
    said.borrow_mut().push(fastware_testkit::said("torn line", &e.message, e.hint.as_deref()));
    let p = fastware_testkit::file_in(&tmp, "empty.jsonl", b"\n");
    check("no results", merge(&plan, std::slice::from_ref(&p)).expect_err("empty"), MatrixError::NoResults, Some(&p));

    // a measurement that could not be of this plan
    let one = |name: &str, edit: &dyn Fn(&mut Value)| -> PathBuf {
        let mut v = first.clone();
        edit(&mut v);
        fastware_testkit::file_in(&tmp, name, format!("{v}\n").as_bytes())
    };
    let p = one("other.jsonl", &|v| v["plan"] = "0123456789abcdef".into());
    let want = MatrixError::OtherPlan { found: "0123456789abcdef".into(), plan: plan.id.clone() };
    check("another plan", merge(&plan, std::slice::from_ref(&p)).expect_err("other"), want, Some(&p));
    let p = one("cell.jsonl", &|v| v["cell"] = 99.into());
    let want = MatrixError::CellNotInPlan { cell: 99, cells: plan.cells.len() };
    check("cell", merge(&plan, std::slice::from_ref(&p)).expect_err("cell"), want, Some(&p));
    let p = one("rep.jsonl", &|v| v["rep"] = 99.into());
    let cell = first["cell"].as_u64().expect("cell") as usize;
    let want = MatrixError::RepNotInPlan { cell, rep: 99, reps: plan.reps };
    check("rep", merge(&plan, std::slice::from_ref(&p)).expect_err("rep"), want, Some(&p));
    // a negative build time, in this earlier file's seconds: −2 s is −2,000,000 µs
    let p = one("negative.jsonl", &|v| v["build_s"] = (-2.0).into());
    let rep = first["rep"].as_u64().expect("rep") as usize;
    let want = MatrixError::NegativeTime { cell, rep, micros: -2_000_000.0 };
    check("negative time", merge(&plan, std::slice::from_ref(&p)).expect_err("negative"), want, Some(&p));

    // --cells against the plan's axes
    let axis = plan_json["axes"][0]["name"].as_str().expect("axis");
    check(
        "cells pair",
        listed(&plan.axes, "opt").expect_err("pair"),
        MatrixError::CellsPair { line: 1, pair: "opt".into() },
        None,
    );
    let text = format!("{axis}=1\nnope=2");
    check(
        "cells axis",
        listed(&plan.axes, &text).expect_err("axis"),
        MatrixError::CellsAxis { line: 2, axis: "nope".into() },
        None,
    );
    check("cells empty", listed(&plan.axes, "# nothing\n").expect_err("empty"), MatrixError::CellsEmpty, None);
    insta::assert_snapshot!(said.into_inner().join("\n").replace(&tmp.display().to_string(), "TMP"));
    let _ = std::fs::remove_dir_all(&tmp);
}
