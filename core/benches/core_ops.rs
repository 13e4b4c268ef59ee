//! Micro-benchmarks of the core's hot operations: merging stores, computing digests and deltas,
//! and encoding/decoding messages. `cargo bench -p gossip-core --bench core_ops`.

#[cfg(not(target_arch = "wasm32"))]
mod native {
    use std::hint::black_box;

    use criterion::{BatchSize, Criterion};
    use gossip_core::AntiEntropyMessage;
    use gossip_core::wire;
    use gossip_core::{DeltaOrder, DigestWindow, Store};

    /// A store of `keys` keys written at node `me`, values of 32 bytes.
    fn store(me: u32, keys: usize) -> Store {
        let mut store = Store::new(me, 64).expect("valid segments");
        for i in 0..keys {
            store.put(&format!("key-{i:05}"), &[me as u8; 32]);
        }
        store
    }

    pub(crate) fn benches(c: &mut Criterion) {
        let a = store(1, 1_000);
        let b = store(2, 1_000);
        c.bench_function("merge_store 1000 + 1000 keys", |bench| {
            bench.iter_batched(
                || a.clone(),
                |mut mine| mine.merge_store(black_box(&b)),
                BatchSize::SmallInput,
            )
        });

        let mut behind = a.clone();
        let mut ahead = a.clone();
        for i in 0..10 {
            ahead.put(&format!("key-{i:05}"), b"newer value");
        }
        behind.put("local", b"x");
        c.bench_function("digest_window of 2 origins", |bench| {
            bench.iter(|| black_box(&behind).digest_window(0, 1_400))
        });
        let window = behind.digest_window(0, 1_400);
        c.bench_function("delta of 10 newer among 1000 keys", |bench| {
            bench.iter(|| black_box(&ahead).delta(black_box(&window), DeltaOrder::Depth, 1_400))
        });
        c.bench_function("checksum (Merkle root)", |bench| {
            bench.iter(|| black_box(&ahead).checksum())
        });

        let message = AntiEntropyMessage::Delta(ahead.delta(&window, DeltaOrder::Depth, 1_400));
        let bytes = wire::encode(&message);
        c.bench_function(
            &format!("encode delta message ({} bytes)", bytes.len()),
            |bench| bench.iter(|| wire::encode(black_box(&message))),
        );
        c.bench_function(
            &format!("decode delta message ({} bytes)", bytes.len()),
            |bench| {
                bench.iter(|| {
                    wire::decode::<AntiEntropyMessage>(black_box(&bytes), wire::DEFAULT_MAX_MESSAGE)
                })
            },
        );
        let digest = AntiEntropyMessage::Digest {
            window: DigestWindow::nothing(),
            reply_with_digest: true,
        };
        c.bench_function("encode+decode digest message", |bench| {
            bench.iter(|| {
                let bytes = wire::encode(black_box(&digest));
                wire::decode::<AntiEntropyMessage>(&bytes, wire::DEFAULT_MAX_MESSAGE)
            })
        });
    }
}

// criterion's macro defines an undocumented public `benches`.
#[cfg(not(target_arch = "wasm32"))]
#[allow(missing_docs)]
mod group {
    criterion::criterion_group!(benches, super::native::benches);
}
#[cfg(not(target_arch = "wasm32"))]
use group::benches;
#[cfg(not(target_arch = "wasm32"))]
criterion::criterion_main!(benches);

#[cfg(target_arch = "wasm32")]
fn main() {}
