"""GDPR anonymization: the use case shared by the 4.1 module and the v6 endpoint."""
