package dev.unetscope.metrics;

/** Shape of each mixture component's covariance, as sklearn's covariance_type "diag" and "full". */
public enum CovarianceType {
    /** One variance per feature: d parameters per component. */
    DIAGONAL,
    /** A full d x d covariance per component. */
    FULL
}
