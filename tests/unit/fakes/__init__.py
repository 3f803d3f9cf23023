"""Hand-written fakes of the services' store protocols, for unit tests of the use cases."""
