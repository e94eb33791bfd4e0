//go:build wasip1

package cdk

// The Go entry points of a canister. The post-processor wires the IC's
// exports to them (see internal/abi); users never call them.

//go:wasmimport icgo stdout_flush
func stdoutFlush()

func flushStdout() { stdoutFlush() }

//go:wasmexport icgo_method
func icgoMethod(index int32) {
	defer flushStdout()
	if index < 0 || int(index) >= len(methods) {
		Trap("cdk: no method with index " + itoa(int(index)) + " (the module's exports do not match its registry: rebuild it with icgo build)")
	}
	m := &methods[index]
	runMethod(m.name, m.handler)
}

// runMethod decodes the argument, calls the handler and replies or rejects.
func runMethod(name string, h *handler) {
	defer trapOnPanic(name)
	args, err := h.decode(ArgData())
	if err != nil {
		reject("cdk: " + name + ": invalid argument: " + err.Error())
		return
	}
	b, msg, rejected := h.call(args)
	if rejected {
		reject(msg)
		return
	}
	reply(b)
}

// runHook runs an init-like hook with the message argument decoded into its
// parameters; an error return traps, failing the install or upgrade.
func runHook(name string) {
	defer flushStdout()
	h := hooks[name]
	if h == nil {
		return
	}
	defer trapOnPanic(hookFunc(name))
	var arg []byte
	if len(h.args) > 0 {
		arg = ArgData()
	}
	args, err := h.decode(arg)
	if err != nil {
		Trap("cdk: " + hookFunc(name) + ": invalid argument: " + err.Error())
	}
	out := h.fn.Call(args)
	if h.hasErr {
		if e := out[len(out)-1]; !e.IsNil() {
			Trap(hookFunc(name) + " failed: " + e.Interface().(error).Error())
		}
	}
}

//go:wasmexport icgo_init
func icgoInit() { runHook("init") }

//go:wasmexport icgo_post_upgrade
func icgoPostUpgrade() { runHook("post_upgrade") }

//go:wasmexport icgo_pre_upgrade
func icgoPreUpgrade() { runHook("pre_upgrade") }

//go:wasmexport icgo_heartbeat
func icgoHeartbeat() { runHook("heartbeat") }

//go:wasmexport icgo_global_timer
func icgoGlobalTimer() { runHook("global_timer") }

//go:wasmexport icgo_inspect_message
func icgoInspectMessage() {
	defer flushStdout()
	defer trapOnPanic("InspectMessage")
	if inspect != nil && inspect(MethodName()) {
		acceptMessage()
	}
}

//go:wasmexport icgo_describe
func icgoDescribe() {
	reply([]byte(describe()))
}
