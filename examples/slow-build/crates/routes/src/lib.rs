//! A small warp-style filter library and a route table built from it. Each
//! `.or()`/`.map()` wraps the filters before it, so the route table's type is
//! nested 60 levels deep, and proving it is a `Filter` (which needs `Send`
//! futures all the way down) is one long trait obligation — seed 004's case.
use std::future::Future;
use std::pin::Pin;

pub trait Filter: Clone + Send + Sync + 'static {
    type Extract: Send + 'static;
    type Fut: Future<Output = Self::Extract> + Send;
    fn call(&self) -> Self::Fut;
}

/// Answers with a constant.
#[derive(Clone)]
pub struct Leaf<const N: usize>;

impl<const N: usize> Filter for Leaf<N> {
    type Extract = (u64,);
    type Fut = std::future::Ready<(u64,)>;
    fn call(&self) -> Self::Fut {
        std::future::ready((N as u64,))
    }
}

/// Tries one filter, then the other.
#[derive(Clone)]
pub struct Or<A, B>(pub A, pub B);

pub enum Either<A, B> {
    A(A),
    B(B),
}

impl<A: Filter, B: Filter> Filter for Or<A, B> {
    type Extract = (Either<A::Extract, B::Extract>,);
    type Fut = Pin<Box<dyn Future<Output = Self::Extract> + Send>>;
    fn call(&self) -> Self::Fut {
        let (a, b) = (self.0.clone(), self.1.clone());
        Box::pin(async move {
            let x = a.call().await;
            let _y = b.call().await;
            (Either::A(x),)
        })
    }
}

/// Maps a filter's output.
#[derive(Clone)]
pub struct Map<F, G>(pub F, pub G);

impl<F: Filter, G: Fn(F::Extract) -> R + Clone + Send + Sync + 'static, R: Send + 'static> Filter for Map<F, G> {
    type Extract = (R,);
    type Fut = Pin<Box<dyn Future<Output = (R,)> + Send>>;
    fn call(&self) -> Self::Fut {
        let (f, g) = (self.0.clone(), self.1.clone());
        Box::pin(async move { (g(f.call().await),) })
    }
}

fn assert_send<T: Send>(t: T) -> T {
    t
}

/// The route table: every route wraps all the ones before it.
pub fn routes() -> impl Filter {
    let routes = Map(Or(Map(Or(Map(Or(Map(Or(Map(Or(Map(Or(Map(Or(Map(Or(Map(Or(Map(Or(Map(Or(Map(Or(Map(Or(Map(Or(Map(Or(Map(Or(Map(Or(Map(Or(Map(Or(Map(Or(Map(Or(Map(Or(Map(Or(Map(Or(Map(Or(Map(Or(Map(Or(Map(Or(Map(Or(Map(Or(Map(Or(Leaf::<0>, Leaf::<1>), |x| x), Leaf::<2>), |x| x), Leaf::<3>), |x| x), Leaf::<4>), |x| x), Leaf::<5>), |x| x), Leaf::<6>), |x| x), Leaf::<7>), |x| x), Leaf::<8>), |x| x), Leaf::<9>), |x| x), Leaf::<10>), |x| x), Leaf::<11>), |x| x), Leaf::<12>), |x| x), Leaf::<13>), |x| x), Leaf::<14>), |x| x), Leaf::<15>), |x| x), Leaf::<16>), |x| x), Leaf::<17>), |x| x), Leaf::<18>), |x| x), Leaf::<19>), |x| x), Leaf::<20>), |x| x), Leaf::<21>), |x| x), Leaf::<22>), |x| x), Leaf::<23>), |x| x), Leaf::<24>), |x| x), Leaf::<25>), |x| x), Leaf::<26>), |x| x), Leaf::<27>), |x| x), Leaf::<28>), |x| x), Leaf::<29>), |x| x), Leaf::<30>), |x| x), Leaf::<31>), |x| x);
    drop(assert_send(routes.call()));
    routes
}
