"""Given names and family names as they are in Ecuador, Peru and Mexico (docs LOCALE.md):
two given names, two family names with their particles, Kichwa and Quechua surnames."""

from __future__ import annotations


def words(text: str, *more: str) -> tuple[str, ...]:
    """The words of ``text``, then ``more`` kept whole (names with spaces)."""
    return (*text.split(), *more)


FEMALE = words(
    "María Ana Rosa Gabriela Daniela Carmen Lucía Patricia Verónica Sofía Valentina Camila "
    "Fernanda Andrea Paola Diana Mónica Elena Isabel Margarita Tatiana Karina Nancy Silvia "
    "Inés Beatriz Ximena Mercedes Lorena Alexandra Cristina Adriana Natalia Juana Rocío Esther "
    "Teresa Pilar Dolores Gloria Josefina Mariana Doménica Emilia Martina Nathaly Jessica "
    "Johanna Evelyn Maribel Blanca Susana Elizabeth Marcela Carolina Sisa Nina Killa"
)
FEMALE_SECOND = words(
    "José Fernanda Belén Elena Isabel Alejandra Lucía Cristina Gabriela Victoria Paz Eugenia "
    "Soledad Augusta Dolores Estefanía Carolina",
    "del Carmen",
    "de los Ángeles",
    "del Rocío",
    "del Cisne",
)
MALE = words(
    "Juan José Luis Carlos Jorge Diego Andrés Miguel Pedro Fernando Javier Santiago Mateo "
    "Sebastián Alejandro Ricardo Marco Édgar Fabián Héctor Iván Wilson Segundo Manuel "
    "Francisco Roberto Pablo Raúl Óscar Julio César Víctor Rodrigo Patricio Hernán Esteban "
    "Daniel David Ángel Galo Byron Freddy Washington Álvaro Nicolás Joel Kevin Bryan Rumi "
    "Inti Amaru"
)
MALE_SECOND = words(
    "Carlos Luis Alberto Pablo Andrés Antonio Ángel José Fernando Xavier Eduardo Francisco "
    "Sebastián Alejandro Gabriel Patricio Enrique"
)
SURNAMES = words(
    "García Rodríguez Martínez López González Pérez Sánchez Ramírez Torres Flores Rivera Gómez "
    "Díaz Cruz Morales Reyes Ortiz Vargas Castillo Jiménez Moreno Romero Herrera Medina Aguilar "
    "Vásquez Castro Ruiz Mendoza Suárez Zambrano Andrade Cevallos Paredes Villacís Salazar "
    "Espinoza Naranjo Benítez Cedeño Mora Chávez Guerrero Carrión Jaramillo Ordóñez Pazmiño "
    "Montalvo Ponce Alvarado Bravo Yépez Proaño Núñez Juárez Ortega Muñoz Peña Ibarra Calderón "
    "Játiva Enríquez Valencia Arias Ayala Tapia Ramos Acosta Hidalgo Loor Macías Vera Intriago "
    "Palacios Montesdeoca Sarmiento Cárdenas Rosero Erazo Almeida Robalino Velasco Granda",
    "de la Cruz",
    "del Pozo",
    "de la Torre",
    "de los Santos",
    "del Castillo",
    "de la Vega",
)
INDIGENOUS = words(
    "Quishpe Guamán Chicaiza Tipán Mamani Condori Huamán Quispe Pilataxi Toapanta Caiza "
    "Cabascango Lema Tenesaca Allauca Taipe Chiluisa Yupanqui Cayambe Farinango Sisalema "
    "Guachamín Chimbo Llumiquinga"
)
