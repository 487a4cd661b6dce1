"""What a real account would allow: the AWS calls the functions make, the IAM actions and ARNs each needs
(call_permissions.json), and an evaluator of the identity policies the module renders for their roles."""
