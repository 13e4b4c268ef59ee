//! Workloads shared by the benches, written once so that two benches printing figures for "a
//! write every 100 ms" run the very same writes.

use gossip_sim::events::{ClusterFault, ScheduledClusterFault};

/// 590 writes, one every 100 ms from 1 s on (until 59.9 s), each on one of the first 200 nodes
/// (stepping by 7 so writers spread over the cluster) to one of 50 keys.
pub(crate) fn write_every_100ms() -> Vec<ScheduledClusterFault> {
    (0..590)
        .map(|i| ScheduledClusterFault {
            at: 1_000 + 100 * i,
            fault: ClusterFault::Put {
                node: (i * 7 % 200) as u32,
                key: format!("key-{}", i % 50),
                value: format!("value-{i}"),
            },
        })
        .collect()
}
