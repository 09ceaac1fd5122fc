//! The final binary: calls everything, so every generic above is
//! instantiated, optimized and linked here, after its dependencies.
use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use sb_routes::Filter;
use sb_shapes::{for_every_shape, render, summary, Shape, Shape0, Shape1, Shape2};

fn block_on<F: Future>(f: F) -> F::Output {
    let mut f = pin!(f);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(v) = f.as_mut().poll(&mut cx) {
            return v;
        }
    }
}

fn summaries<T: Shape>(shapes: &[T]) -> usize {
    summary(shapes).map(|(i, l)| i + l.len()).sum()
}

fn main() {
    let n: u64 = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(3);
    let rendered = for_every_shape!(render);
    let total = summaries(&[Shape0::default()]) + summaries(&[Shape1::default()]) + summaries(&[Shape2::default()]);
    let records = block_on(sb_pipeline::spawnable(n));
    let processed = block_on(sb_pipeline::process(n)).len();
    let routed = block_on(sb_routes::routes().call());
    println!("{} {} {} {} {}", rendered.len(), total, records, processed, std::mem::size_of_val(&routed));
}
