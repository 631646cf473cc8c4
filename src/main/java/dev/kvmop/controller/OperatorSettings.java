package dev.kvmop.controller;

import java.util.Set;

/**
 * Process-level settings shared by {@code run} and {@code local}.
 *
 * @param namespaces namespaces to watch; empty means all
 * @param metricsPort port of /metrics, /healthz, /readyz (0 picks a free one)
 * @param leaseName Lease for leader election, or null for none
 * @param threads reconciliation threads
 * @param serverSideApply patch status with server-side apply (off only for the CRUD test API)
 */
public record OperatorSettings(
    Set<String> namespaces,
    int metricsPort,
    String leaseName,
    int threads,
    boolean serverSideApply) {}
