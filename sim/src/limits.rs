//! What a host allows a run, and a run refused for it: [`Limits`] (bytes, and where the figure
//! comes from), [`Exceeded`] (the estimate against the limit, carried by
//! [`crate::error::SimError::TooLarge`] and across to the playground so it can say it in each of
//! its languages). The estimates themselves are [`crate::budget`]'s; this module is apart so
//! that the error type needs nothing of the engines.

use serde::{Deserialize, Serialize};

/// Which engine a scenario runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Engine {
    /// The round engine ([`crate::rounds`]): its steps are node-rounds.
    Rounds,
    /// Live nodes on the event engine ([`crate::events`]): its steps are deliveries and timers.
    Events,
    /// A system model ([`crate::models`]): its steps are deliveries and timers.
    Models,
}

/// Where a memory limit comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LimitSource {
    /// The machine's available memory (`MemAvailable` of /proc/meminfo, or a cgroup's
    /// `memory.max` if lower).
    MachineMemory,
    /// A limit given on the command line (`--memory-limit`).
    Given,
    /// What a Web Worker's wasm32 memory can still grow to, with room to spare.
    WasmMemory,
    /// The address space of the build target (4 GiB on wasm32): no host gives more.
    AddressSpace,
}

impl LimitSource {
    /// The limit named in a sentence (after "more than the N of").
    pub fn phrase(self) -> &'static str {
        match self {
            LimitSource::MachineMemory => "memory available on this machine",
            LimitSource::Given => "memory limit given",
            LimitSource::WasmMemory => "memory a browser worker can use (wasm32: 4 GiB at most)",
            LimitSource::AddressSpace => "address space of this build",
        }
    }
}

/// What the host allows one run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Limits {
    /// Bytes a run may use at its peak.
    pub bytes: u64,
    /// Where that figure comes from.
    pub source: LimitSource,
}

/// wasm32 memory tops out at 65,536 pages of 64 KiB.
pub const WASM32_MAX_BYTES: u64 = 4 << 30;

impl Limits {
    /// The address space of the build target: 4 GiB on 32-bit targets (wasm32), 256 TiB (48-bit
    /// virtual addresses) on 64-bit ones. No host gives more; a host that knows nothing lower
    /// checks against it.
    pub fn address_space() -> Limits {
        let bytes = if usize::BITS <= 32 {
            WASM32_MAX_BYTES
        } else {
            1 << 48
        };
        Limits {
            bytes,
            source: LimitSource::AddressSpace,
        }
    }

    /// A Web Worker whose wasm memory holds `in_use` bytes: half of what is left to 4 GiB. Half,
    /// because a growing vector briefly holds its old and new buffers, the allocator fragments,
    /// and the answer is copied to the page as text.
    pub fn wasm_worker(in_use: u64) -> Limits {
        Limits {
            bytes: WASM32_MAX_BYTES.saturating_sub(in_use) / 2,
            source: LimitSource::WasmMemory,
        }
    }

    /// The machine's available memory, `available` bytes.
    pub fn machine(available: u64) -> Limits {
        Limits {
            bytes: available,
            source: LimitSource::MachineMemory,
        }
    }
}

/// A run refused before it started because its estimate is past a limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Exceeded {
    /// The run's population.
    pub nodes: u32,
    /// The engine it would run on.
    pub engine: Engine,
    /// The estimated peak memory, in bytes.
    pub estimate_bytes: u64,
    /// The limit, in bytes.
    pub limit_bytes: u64,
    /// Where the limit comes from.
    pub source: LimitSource,
}

impl core::fmt::Display for Exceeded {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "a run of {} nodes would need about {} of memory (estimated before the run), more \
             than the {} {}; try fewer nodes",
            self.nodes,
            bytes_text(self.estimate_bytes),
            bytes_text(self.limit_bytes),
            self.source.phrase()
        )
    }
}

/// Bytes in binary units, three significant digits: `512 B`, `17.2 MiB`, `51.5 GiB`.
pub fn bytes_text(bytes: u64) -> String {
    let units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < units.len() {
        value /= 1024.0;
        unit += 1;
    }
    match unit {
        0 => format!("{bytes} B"),
        _ if value >= 100.0 => format!("{value:.0} {}", units[unit]),
        _ if value >= 10.0 => format!("{value:.1} {}", units[unit]),
        _ => format!("{value:.2} {}", units[unit]),
    }
}
