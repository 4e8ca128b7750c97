"""One investigator per kube-prometheus-stack alert family (see ``autoheal.k8s.router``)."""
