//go:build wasip1

package cdk

// The Go entry points of a canister. The post-processor wires the IC's
// exports to them (see internal/abi); users never call them. The logic is
// in entry.go, which also builds for the host.

//go:wasmimport icgo stdout_flush
func stdoutFlush()

func flushStdout() { stdoutFlush() }

//go:wasmimport icgo table_index:icgo_callback_reply
func tableIndexReply() int32

//go:wasmimport icgo table_index:icgo_callback_reject
func tableIndexReject() int32

//go:wasmimport icgo table_index:icgo_callback_cleanup
func tableIndexCleanup() int32

func callbackIndices() (reply, reject, cleanup uint32) {
	return uint32(tableIndexReply()), uint32(tableIndexReject()), uint32(tableIndexCleanup())
}

//lint:ignore U1000 exported to the post-processor's entry points (go:wasmexport)
//go:wasmexport icgo_method
func icgoMethod(index int32) { entryMethod(index) }

//lint:ignore U1000 exported to the post-processor's entry points (go:wasmexport)
//go:wasmexport icgo_init
func icgoInit() { entryHook("init", kindInit) }

//lint:ignore U1000 exported to the post-processor's entry points (go:wasmexport)
//go:wasmexport icgo_post_upgrade
func icgoPostUpgrade() { entryHook("post_upgrade", kindInit) }

//lint:ignore U1000 exported to the post-processor's entry points (go:wasmexport)
//go:wasmexport icgo_pre_upgrade
func icgoPreUpgrade() { entryHook("pre_upgrade", kindPreUpgrade) }

//lint:ignore U1000 exported to the post-processor's entry points (go:wasmexport)
//go:wasmexport icgo_heartbeat
func icgoHeartbeat() { entryHook("heartbeat", kindSystem) }

//lint:ignore U1000 exported to the post-processor's entry points (go:wasmexport)
//go:wasmexport icgo_on_low_wasm_memory
func icgoOnLowWasmMemory() { entryHook("on_low_wasm_memory", kindSystem) }

//lint:ignore U1000 exported to the post-processor's entry points (go:wasmexport)
//go:wasmexport icgo_global_timer
func icgoGlobalTimer() { entryGlobalTimer() }

//lint:ignore U1000 exported to the post-processor's entry points (go:wasmexport)
//go:wasmexport icgo_inspect_message
func icgoInspectMessage() { entryInspect() }

//lint:ignore U1000 exported to the post-processor's entry points (go:wasmexport)
//go:wasmexport icgo_callback_reply
func icgoCallbackReply(env int32) { entryCallback(uint32(env), kindReply) }

//lint:ignore U1000 exported to the post-processor's entry points (go:wasmexport)
//go:wasmexport icgo_callback_reject
func icgoCallbackReject(env int32) { entryCallback(uint32(env), kindReject) }

//lint:ignore U1000 exported to the post-processor's entry points (go:wasmexport)
//go:wasmexport icgo_callback_cleanup
func icgoCallbackCleanup(env int32) { entryCallback(uint32(env), kindCleanup) }

//lint:ignore U1000 exported to the post-processor's entry points (go:wasmexport)
//go:wasmexport icgo_describe
func icgoDescribe() {
	reply([]byte(describe()))
}
