
…network-security-config*j
hdomain-config"!cleartextTrafficPermitted2:@*4
2domain"includeSubdomainstrue*example.com