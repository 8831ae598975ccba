"""Prints, as JSON, what nibabel reads from one NIfTI file: shape, zooms, affine and voxel sum.

Usage: read_nifti.py FILE. Used by NibabelReferenceTest to check files the Java writer made.
"""
import json
import sys

import nibabel as nib

img = nib.load(sys.argv[1])
print(json.dumps({
    "shape": list(img.shape),
    "zooms": [float(z) for z in img.header.get_zooms()[:3]],
    "affine": [float(v) for v in img.affine.ravel()],
    "qform": [float(v) for v in img.get_qform().ravel()],
    "sum": float(img.get_fdata().sum()),
    "datatype": str(img.get_data_dtype().name),
}))
