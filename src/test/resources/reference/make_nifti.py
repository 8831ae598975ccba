"""Writes NIfTI-1 reference files with nibabel and prints, as JSON, what nibabel reads back from each.

Usage: make_nifti.py OUT_DIR. The Java test (NibabelReferenceTest) reads every file and compares
shape, spacing, affine and the channel-0 voxel sum with nibabel's answers. Asserts below make sure
each case really exercises what it is named after (byte order, scaling, qform-only, ...).
"""
import json
import math
import os
import sys

import nibabel as nib
import numpy as np

out = sys.argv[1]
rng = np.random.default_rng(1234)


def rot(ax, deg):
    """4x4 rotation about axis ax (0, 1, 2) by deg degrees."""
    c, s = math.cos(math.radians(deg)), math.sin(math.radians(deg))
    i, j = [k for k in range(3) if k != ax]
    m = np.eye(4)
    m[i, i], m[i, j], m[j, i], m[j, j] = c, -s, s, c
    return m


def affine(zooms, origin, r=np.eye(4), shear=0.0):
    a = r @ np.diag(list(zooms) + [1.0])
    a[0, 1] += shear
    a[:3, 3] = origin
    return a


DIAG = affine((1.0, 1.5, 2.0), (-10.0, 20.0, 5.5))
OBLIQUE = affine((0.8, 0.9, 1.25), (12.5, -30.0, 41.0), rot(2, 20) @ rot(0, -13))
FLIPPED = affine((2.0, 2.0, 3.0), (90.0, -126.0, -72.0), np.diag([-1.0, 1.0, 1.0, 1.0]))
SHEARED = affine((1.0, 1.0, 1.0), (0.0, 0.0, 0.0), rot(1, 7), shear=0.3)


def data(dtype, shape, lo, hi):
    return rng.uniform(lo, hi, size=shape).round().astype(dtype) if np.dtype(dtype).kind in "iu" \
        else rng.uniform(lo, hi, size=shape).astype(dtype)


def save(name, arr, aff, *, endian="<", sform=True, qform=True, dtype=None, extension=False):
    hdr = nib.Nifti1Header(endianness=endian)
    img = nib.Nifti1Image(arr, aff, header=hdr, dtype=dtype if dtype is not None else arr.dtype)
    img.set_sform(aff if sform else None, code=2 if sform else 0)
    img.set_qform(aff if qform else None, code=1 if qform else 0)
    if extension:  # pushes vox_offset past 352
        img.header.extensions.append(nib.nifti1.Nifti1Extension("comment", b"unetscope reference file"))
    path = os.path.join(out, name)
    nib.save(img, path)
    return path


cases = []
shape3 = (7, 6, 5)
shape4 = (5, 4, 3, 3)
cases.append(save("u8_diag.nii", data(np.uint8, shape3, 0, 255), DIAG))
cases.append(save("i8_diag.nii.gz", data(np.int8, shape3, 0, 127), DIAG))
cases.append(save("i16_be_oblique.nii", data(">i2", shape3, 0, 3000), OBLIQUE, endian=">"))
cases.append(save("u16_flipped.nii.gz", data(np.uint16, shape3, 0, 60000), FLIPPED))
cases.append(save("i32_be_4d.nii.gz", data(">i4", shape4, 0, 100000), OBLIQUE, endian=">"))
# uint32 above 2^31 checks the reader treats it as unsigned.
cases.append(save("u32_ext.nii", data(np.uint32, shape3, 3.0e9, 4.2e9), DIAG, extension=True))
cases.append(save("i64_sheared.nii", data(np.int64, shape3, -1e6, 5e6), SHEARED, qform=False))
cases.append(save("f32_qform_only.nii", data(np.float32, shape3, 1, 2), OBLIQUE, sform=False))
cases.append(save("f32_be_qform_flipped.nii.gz", data(">f4", shape3, 1, 2), FLIPPED, endian=">", sform=False))
cases.append(save("f64_4d.nii", data(np.float64, shape4, -1, 3), FLIPPED))
# Float data beyond int16 range stored as int16: nibabel chooses scl_slope/scl_inter to fit the range.
cases.append(save("i16_scaled.nii.gz", data(np.float64, shape3, 2.0e4, 3.0e5), DIAG, dtype=np.int16))

results = []
for path in cases:
    img = nib.load(path)
    hdr = img.header
    with open(path, "rb") as f:
        raw = f.read(4)
    fdata = img.get_fdata()
    ch0 = fdata[..., 0] if fdata.ndim == 4 else fdata
    # Once loaded, nibabel moves scl_slope/scl_inter from the header onto the data proxy.
    slope, inter = float(img.dataobj.slope), float(img.dataobj.inter)
    results.append({
        "file": os.path.basename(path),
        "shape": list(img.shape),
        "zooms": [float(z) for z in hdr.get_zooms()[:3]],
        "affine": [float(v) for v in img.affine.ravel()],
        "sum": float(ch0.sum()),
        "datatype": str(hdr.get_data_dtype().newbyteorder("=").name),
        "endian": hdr.endianness,
        "sform_code": int(hdr["sform_code"]),
        "qform_code": int(hdr["qform_code"]),
        "vox_offset": int(img.dataobj.offset),  # the header field reads 0 once nibabel has loaded it
        "slope": slope,
        "inter": inter,
    })

by = {r["file"]: r for r in results}
assert by["i16_be_oblique.nii"]["endian"] == ">" and by["i32_be_4d.nii.gz"]["endian"] == ">"
assert by["f32_qform_only.nii"]["sform_code"] == 0 and by["f32_qform_only.nii"]["qform_code"] > 0
assert by["i64_sheared.nii"]["qform_code"] == 0 and by["i64_sheared.nii"]["datatype"] == "int64"
assert by["u32_ext.nii"]["vox_offset"] > 352
assert by["i16_scaled.nii.gz"]["slope"] != 1.0 and by["i16_scaled.nii.gz"]["datatype"] == "int16"
print(json.dumps(results))
