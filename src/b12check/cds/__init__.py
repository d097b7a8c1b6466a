"""CDS Hooks 2.0.1: discovery, the patient-view and order-select services, feedback, and the
JWT checks that decide which EHRs may call."""
