/*
 * Internals of traces shared by trace.c (recording) and trace_write.c
 * (output).  Never included outside those two files.
 */
#ifndef GB_GEAR_TRACE_INT_H
#define GB_GEAR_TRACE_INT_H

#include "gear/trace.h"

/* A node of the call tree: one call path.  Node 0 is the root (the run);
 * the others are wasm functions or syscalls (func < the module's
 * imported functions). */
typedef struct gb_trace_node {
    uint32_t func;          /* index in the module, UINT32_MAX: the root */
    uint32_t parent, child, sibling; /* UINT32_MAX: none */
    uint64_t calls;
    int64_t self;           /* gas used while it was on top */
    int64_t given;          /* syscalls: the GIVEN part of self */
} gb_trace_node;

/* One execution being recorded, or recorded. */
typedef struct gb_trace_rec {
    gb_trace_exec pub;      /* its arrays point into the fields below */
    char **names;           /* nnames: every function of the module */
    uint32_t nnames;
    const char **sysname;   /* nimports: the syscall of each import */
    uint32_t nimports;
    gb_trace_step *steps;
    uint32_t nsteps, capsteps;
    gb_trace_syscall *sys;
    uint32_t nsys, capsys;
    gb_trace_page *pages;
    uint32_t npages, cappages;
    gb_trace_func *funcs;
    uint32_t nfuncs, capfuncs;
    gb_trace_node *nodes;
    uint32_t nnodes, capnodes;
    uint32_t *stack;        /* node indices, stack[0] = the root */
    uint32_t depth, capstack;
    uint64_t last_gas;      /* gas used at the last event */
    bool in_host;           /* between HOST_CALL and HOST_RETURN: cur */
    gb_trace_syscall cur;
    bool incomplete;
} gb_trace_rec;

struct gb_trace {
    bool has_target;
    gb_id target;
    gb_trace_rec *execs;
    uint32_t nexecs, capexecs;
    gb_trace_rec *cur;      /* recording, or NULL */
    gb_processor *p;        /* while recording: its run's stop reason */
};

#endif
