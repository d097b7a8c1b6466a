"""The symptom diary: course of symptoms under B12 treatment, re-evaluation, charts and exports."""
