// Package ic0 is the raw System API of the Internet Computer: one Go
// function per ic0 import, with the wasm32 signatures of the interface
// specification (https://internetcomputer.org/docs/references/ic-interface-spec,
// section "Overview of imports").
//
// Pointers are unsafe.Pointer and sizes uint32, exactly as the spec's
// wasm32 form (I = i32). Most programs should use package cdk instead,
// which wraps these with Go types, Candid and the executor. Calling a
// function outside the contexts the spec allows traps, as on the IC.
//
// Outside a canister (any GOOS other than wasip1) every function panics,
// so that host-side tests fail clearly instead of pretending.
package ic0
