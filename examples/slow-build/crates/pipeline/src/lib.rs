//! A large async fn: many awaits, each keeping state alive across them, so
//! its future (an `async fn` body is its `{closure#0}`) is a big state
//! machine with big drop glue. `process` is checked for `Send` through
//! nested generic futures, which is work for the trait solver.
use std::collections::HashMap;
use std::future::Future;

#[derive(Debug, Default, Clone)]
pub struct Record {
    pub id: u64,
    pub fields: HashMap<String, Vec<String>>,
    pub notes: Vec<String>,
    pub index: std::collections::BTreeMap<u64, String>,
    pub parts: Vec<(String, Vec<u8>)>,
    pub parent: Option<Box<Record>>,
}

pub async fn fetch(id: u64) -> Record {
    let mut r = Record { id, ..Record::default() };
    r.fields.entry(format!("k{id}")).or_default().push(format!("v{id}"));
    r
}

pub async fn enrich(mut r: Record, with: &str) -> Record {
    r.notes.push(with.to_string());
    r
}

pub async fn combine<F: Future<Output = Record>>(a: F, b: Record) -> Record {
    let mut a = a.await;
    a.notes.extend(b.notes);
    a.fields.extend(b.fields);
    a
}

/// The big one: dozens of awaits in one body, every record alive until
/// the end, so each await point is a state holding more of them.
pub async fn process(n: u64) -> Vec<Record> {
    let r0 = enrich(fetch(n + 0).await, "step0").await;
    let r0 = combine(fetch(n * 2), r0).await;
    let r1 = enrich(fetch(n + 1).await, "step1").await;
    let r1 = combine(fetch(n * 3), r1).await;
    let r2 = enrich(fetch(n + 2).await, "step2").await;
    let r2 = combine(fetch(n * 4), r2).await;
    let r3 = enrich(fetch(n + 3).await, "step3").await;
    let r3 = combine(fetch(n * 5), r3).await;
    let r4 = enrich(fetch(n + 4).await, "step4").await;
    let r4 = combine(fetch(n * 6), r4).await;
    let r5 = enrich(fetch(n + 5).await, "step5").await;
    let r5 = combine(fetch(n * 7), r5).await;
    let r6 = enrich(fetch(n + 6).await, "step6").await;
    let r6 = combine(fetch(n * 8), r6).await;
    let r7 = enrich(fetch(n + 7).await, "step7").await;
    let r7 = combine(fetch(n * 9), r7).await;
    let r8 = enrich(fetch(n + 8).await, "step8").await;
    let r8 = combine(fetch(n * 10), r8).await;
    let r9 = enrich(fetch(n + 9).await, "step9").await;
    let r9 = combine(fetch(n * 11), r9).await;
    let r10 = enrich(fetch(n + 10).await, "step10").await;
    let r10 = combine(fetch(n * 12), r10).await;
    let r11 = enrich(fetch(n + 11).await, "step11").await;
    let r11 = combine(fetch(n * 13), r11).await;
    let r12 = enrich(fetch(n + 12).await, "step12").await;
    let r12 = combine(fetch(n * 14), r12).await;
    let r13 = enrich(fetch(n + 13).await, "step13").await;
    let r13 = combine(fetch(n * 15), r13).await;
    let r14 = enrich(fetch(n + 14).await, "step14").await;
    let r14 = combine(fetch(n * 16), r14).await;
    let r15 = enrich(fetch(n + 15).await, "step15").await;
    let r15 = combine(fetch(n * 17), r15).await;
    let r16 = enrich(fetch(n + 16).await, "step16").await;
    let r16 = combine(fetch(n * 18), r16).await;
    let r17 = enrich(fetch(n + 17).await, "step17").await;
    let r17 = combine(fetch(n * 19), r17).await;
    let r18 = enrich(fetch(n + 18).await, "step18").await;
    let r18 = combine(fetch(n * 20), r18).await;
    let r19 = enrich(fetch(n + 19).await, "step19").await;
    let r19 = combine(fetch(n * 21), r19).await;
    let r20 = enrich(fetch(n + 20).await, "step20").await;
    let r20 = combine(fetch(n * 22), r20).await;
    let r21 = enrich(fetch(n + 21).await, "step21").await;
    let r21 = combine(fetch(n * 23), r21).await;
    let r22 = enrich(fetch(n + 22).await, "step22").await;
    let r22 = combine(fetch(n * 24), r22).await;
    let r23 = enrich(fetch(n + 23).await, "step23").await;
    let r23 = combine(fetch(n * 25), r23).await;
    let r24 = enrich(fetch(n + 24).await, "step24").await;
    let r24 = combine(fetch(n * 26), r24).await;
    let r25 = enrich(fetch(n + 25).await, "step25").await;
    let r25 = combine(fetch(n * 27), r25).await;
    let r26 = enrich(fetch(n + 26).await, "step26").await;
    let r26 = combine(fetch(n * 28), r26).await;
    let r27 = enrich(fetch(n + 27).await, "step27").await;
    let r27 = combine(fetch(n * 29), r27).await;
    let r28 = enrich(fetch(n + 28).await, "step28").await;
    let r28 = combine(fetch(n * 30), r28).await;
    let r29 = enrich(fetch(n + 29).await, "step29").await;
    let r29 = combine(fetch(n * 31), r29).await;
    let r30 = enrich(fetch(n + 30).await, "step30").await;
    let r30 = combine(fetch(n * 32), r30).await;
    let r31 = enrich(fetch(n + 31).await, "step31").await;
    let r31 = combine(fetch(n * 33), r31).await;
    let r32 = enrich(fetch(n + 32).await, "step32").await;
    let r32 = combine(fetch(n * 34), r32).await;
    let r33 = enrich(fetch(n + 33).await, "step33").await;
    let r33 = combine(fetch(n * 35), r33).await;
    let r34 = enrich(fetch(n + 34).await, "step34").await;
    let r34 = combine(fetch(n * 36), r34).await;
    let r35 = enrich(fetch(n + 35).await, "step35").await;
    let r35 = combine(fetch(n * 37), r35).await;
    let r36 = enrich(fetch(n + 36).await, "step36").await;
    let r36 = combine(fetch(n * 38), r36).await;
    let r37 = enrich(fetch(n + 37).await, "step37").await;
    let r37 = combine(fetch(n * 39), r37).await;
    let r38 = enrich(fetch(n + 38).await, "step38").await;
    let r38 = combine(fetch(n * 40), r38).await;
    let r39 = enrich(fetch(n + 39).await, "step39").await;
    let r39 = combine(fetch(n * 41), r39).await;
    let r40 = enrich(fetch(n + 40).await, "step40").await;
    let r40 = combine(fetch(n * 42), r40).await;
    let r41 = enrich(fetch(n + 41).await, "step41").await;
    let r41 = combine(fetch(n * 43), r41).await;
    let r42 = enrich(fetch(n + 42).await, "step42").await;
    let r42 = combine(fetch(n * 44), r42).await;
    let r43 = enrich(fetch(n + 43).await, "step43").await;
    let r43 = combine(fetch(n * 45), r43).await;
    let r44 = enrich(fetch(n + 44).await, "step44").await;
    let r44 = combine(fetch(n * 46), r44).await;
    let r45 = enrich(fetch(n + 45).await, "step45").await;
    let r45 = combine(fetch(n * 47), r45).await;
    let r46 = enrich(fetch(n + 46).await, "step46").await;
    let r46 = combine(fetch(n * 48), r46).await;
    let r47 = enrich(fetch(n + 47).await, "step47").await;
    let r47 = combine(fetch(n * 49), r47).await;
    let r48 = enrich(fetch(n + 48).await, "step48").await;
    let r48 = combine(fetch(n * 50), r48).await;
    let r49 = enrich(fetch(n + 49).await, "step49").await;
    let r49 = combine(fetch(n * 51), r49).await;
    let r50 = enrich(fetch(n + 50).await, "step50").await;
    let r50 = combine(fetch(n * 52), r50).await;
    let r51 = enrich(fetch(n + 51).await, "step51").await;
    let r51 = combine(fetch(n * 53), r51).await;
    let r52 = enrich(fetch(n + 52).await, "step52").await;
    let r52 = combine(fetch(n * 54), r52).await;
    let r53 = enrich(fetch(n + 53).await, "step53").await;
    let r53 = combine(fetch(n * 55), r53).await;
    let r54 = enrich(fetch(n + 54).await, "step54").await;
    let r54 = combine(fetch(n * 56), r54).await;
    let r55 = enrich(fetch(n + 55).await, "step55").await;
    let r55 = combine(fetch(n * 57), r55).await;
    let r56 = enrich(fetch(n + 56).await, "step56").await;
    let r56 = combine(fetch(n * 58), r56).await;
    let r57 = enrich(fetch(n + 57).await, "step57").await;
    let r57 = combine(fetch(n * 59), r57).await;
    let r58 = enrich(fetch(n + 58).await, "step58").await;
    let r58 = combine(fetch(n * 60), r58).await;
    let r59 = enrich(fetch(n + 59).await, "step59").await;
    let r59 = combine(fetch(n * 61), r59).await;
    let r60 = enrich(fetch(n + 60).await, "step60").await;
    let r60 = combine(fetch(n * 62), r60).await;
    let r61 = enrich(fetch(n + 61).await, "step61").await;
    let r61 = combine(fetch(n * 63), r61).await;
    let r62 = enrich(fetch(n + 62).await, "step62").await;
    let r62 = combine(fetch(n * 64), r62).await;
    let r63 = enrich(fetch(n + 63).await, "step63").await;
    let r63 = combine(fetch(n * 65), r63).await;
    vec![
        r0,
        r1,
        r2,
        r3,
        r4,
        r5,
        r6,
        r7,
        r8,
        r9,
        r10,
        r11,
        r12,
        r13,
        r14,
        r15,
        r16,
        r17,
        r18,
        r19,
        r20,
        r21,
        r22,
        r23,
        r24,
        r25,
        r26,
        r27,
        r28,
        r29,
        r30,
        r31,
        r32,
        r33,
        r34,
        r35,
        r36,
        r37,
        r38,
        r39,
        r40,
        r41,
        r42,
        r43,
        r44,
        r45,
        r46,
        r47,
        r48,
        r49,
        r50,
        r51,
        r52,
        r53,
        r54,
        r55,
        r56,
        r57,
        r58,
        r59,
        r60,
        r61,
        r62,
        r63,
    ]
}

fn assert_send<T: Send>(t: T) -> T {
    t
}

/// `process` must be `Send` to be spawned on a thread pool.
pub fn spawnable(n: u64) -> impl Future<Output = usize> + Send {
    assert_send(async move {
        let records = process(n).await;
        let more = combine(combine(combine(fetch(n), Record::default()), Record::default()), Record::default()).await;
        records.len() + more.notes.len()
    })
}
