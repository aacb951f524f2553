/*
 * Management hypercalls (ABI: include/shyper/hypercall.h, docs/hypercall-abi.md), apart
 * from how they arrive: arch/riscv64/vsbi/vsbi_hypercall.c decodes the SBI call and turns
 * the result into an SBI error code.
 *
 * One file per group (kernel/hypercall/hc_<group>.c) defines a table of functions;
 * hypercall.c dispatches and holds the only privilege check: a function not marked
 * any_vm is refused (HC_DENIED) unless the caller is VM 0.  Privileged calls are
 * serialised, so a handler sees no other management call in flight.
 */
#ifndef KERNEL_HYPERCALL_H
#define KERNEL_HYPERCALL_H

#include <kernel/types.h>

struct vm;

/* Outcomes; each is one SBI error code. */
enum hc_result {
    HC_OK,
    HC_NOT_SUPPORTED,   /* no such group or function; a device type that is not emulated */
    HC_DENIED,          /* not VM 0; or (BOOT, REBOOT) the VM's images are incomplete */
    HC_INVALID_PARAM,   /* bad id, size, state transition or configuration */
    HC_INVALID_ADDRESS, /* a buffer is not entirely inside the caller's RAM */
    HC_ALREADY_STARTED, /* the VM is running */
    HC_ALREADY_STOPPED, /* the VM is not running */
    HC_FAILED,          /* out of memory or VM ids */
};

#define HC_NR_ARGS 6

struct hc_call {
    struct vm *caller;
    u64 arg[HC_NR_ARGS]; /* a0..a5 as the guest passed them: not yet checked */
    u64 value;           /* returned to the caller (a1) */
};

struct hc_function {
    enum hc_result (*handler)(struct hc_call *call);
    bool any_vm; /* callable by every VM, not only VM 0 */
};

struct hc_group {
    const struct hc_function *fns; /* indexed by function id; NULL handler: none */
    u32 nr_fns;
};

extern const struct hc_group hc_system_group, hc_vmm_group, hc_config_group, hc_mediated_group,
    hc_notify_group;

/* True when group exists (SBI probe of its extension id). */
bool hypercall_group_exists(u32 group);
/* Runs function fn of group for caller; *value is returned in a1 (a count or id on
 * success; LIST also gives the count with HC_INVALID_PARAM when the array is too small). */
enum hc_result hypercall_dispatch(struct vm *caller, u32 group, u64 fn, const u64 arg[HC_NR_ARGS],
                                  u64 *value);

/*
 * For handlers.  A caller's buffer (ipa, len) must be exactly `size` bytes (or, with
 * at_least, at least size bytes) -> HC_INVALID_PARAM, and lie inside one RAM region of the
 * caller -> HC_INVALID_ADDRESS.  On success *hva is its host address.
 */
enum hc_result hc_caller_buffer(struct hc_call *call, u64 ipa, u64 len, u64 size, bool at_least,
                                void **hva);
/* The VM an id argument names; HC_INVALID_PARAM when there is none. */
enum hc_result hc_vm_arg(u64 id, struct vm **vm);
/* A negative errno of the VM layer: -ENOMEM -> HC_FAILED, others -> HC_INVALID_PARAM. */
enum hc_result hc_from_errno(int err);

#endif
