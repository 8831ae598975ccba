#!/usr/bin/env python3
"""Where an analyze run spends its time: JFR samples (run with UNETSCOPE_JAVA_OPTS="-XX:StartFlightRecording=filename=F.jfr,settings=profile")
bucketed by the first unetscope frame that names a part (top of stack first). Usage: bench/where_time_goes.py F.jfr"""
import re, sys, subprocess, collections
# bucket JFR execution and native-method samples by the first unetscope frame (top of stack first)
out = subprocess.run(["jfr", "print", "--events", "jdk.ExecutionSample,jdk.NativeMethodSample", "--stack-depth", "200", sys.argv[1]],
                     capture_output=True, text=True).stdout
events = out.split("jdk.")[1:]
rules = [("mixtures (confidence: GMM fit and scoring, Mahalanobis)", r"metrics\.(GaussianMixture|Confidence|Mahalanobis|Components)"),
         ("k-means and Davies-Bouldin (roughness)", r"metrics\.(KMeans|DaviesBouldin|LayerMetrics|CaseForms)"),
         ("other metrics/baselines", r"metrics\."),
         ("inference (forward passes, tap sampling)", r"(features\.FeatureExtractor|train\.BatchInference|model\.)"),
         ("standardising features", r"features\."),
         ("data: reading and preparing volumes", r"(data\.|volume\.)"),
         ("tables", r"(experiment\.|pipeline\.ResultsStore)")]
c = collections.Counter()
for e in events:
    frames = re.findall(r"(dev\.unetscope\.[\w.$]+)\(", e)
    if not frames: continue
    b = None
    for f in frames:
        for name, rx in rules:
            if name.startswith("other metrics"): continue
            if re.search(rx, f): b = name; break
        if b: break
    if b is None: b = "other metrics/baselines" if any("metrics." in f for f in frames) else "other unetscope code"
    c[b] += 1
tot = sum(c.values())
for k, v in c.most_common(): print(f"{100*v/tot:5.1f} %  {v:6d}  {k}")
print(f"{tot} samples")
