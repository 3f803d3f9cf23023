"""Thi đua services: apps that run, never import one another."""
